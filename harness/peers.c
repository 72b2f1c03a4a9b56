/* Peers as variants: the PyTorch and NumPy forms of the ops (`torch`,
 * `numpy`), run by one Python worker per vecbench process
 * (harness/peers/worker.py, its protocol there). vecbench hands it the op's
 * seeded inputs as .npy, gets the outputs back as .npy and checks them
 * against the float64 oracle like any variant; timing asks the worker for N
 * calls and feeds their mean to Google Benchmark as manual time.
 *
 * The registry appends a peer variant to every op the worker lists
 * (`worker.py list`, which imports neither NumPy nor PyTorch). The worker
 * proper starts the first time a peer variant is asked whether it can run.
 *
 * Environment: VB_PEERS=0 adds no peer variants; VB_PEER_PYTHON (default
 * /usr/bin/python3, Debian's, which has python3-torch) and VB_PEER_WORKER
 * (default the source tree's harness/peers/worker.py) pick what runs;
 * VB_PEER_TIMEOUT seconds (default 600) bound the wait for one reply. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "harness.h"

#ifndef VB_PEERS_DIR
#define VB_PEERS_DIR "harness/peers"
#endif

/* ---- which ops each peer implements ---- */

enum { MAX_PAIRS = 256 };
static struct { char peer[16], op[48]; } pairs[MAX_PAIRS];
static int npairs = -1;

static const char *python(void) {
	const char *p = getenv("VB_PEER_PYTHON");
	return p && *p ? p : "/usr/bin/python3";
}

static const char *worker_path(void) {
	const char *p = getenv("VB_PEER_WORKER");
	return p && *p ? p : VB_PEERS_DIR "/worker.py";
}

static int peers_disabled(void) {
	const char *e = getenv("VB_PEERS");
	return e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "no"));
}

/* `python3 -I -S -B worker.py list`: a few milliseconds, no NumPy or PyTorch. */
static void load_pairs(void) {
	npairs = 0;
	if (peers_disabled() || access(python(), X_OK) != 0 || access(worker_path(), R_OK) != 0) return;
	int fd[2];
	if (pipe(fd) != 0) return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]), close(fd[1]);
		return;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]), close(fd[1]);
		execl(python(), python(), "-I", "-S", "-B", worker_path(), "list", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	char line[128];
	while (f && fgets(line, sizeof line, f))
		if (npairs < MAX_PAIRS && sscanf(line, "%15s %47s", pairs[npairs].peer, pairs[npairs].op) == 2)
			npairs++;
	if (f)
		fclose(f);
	else
		close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) npairs = 0;
}

void vb_peers_extend(vb_op *op) {
	if (npairs < 0) load_pairs();
	static const char *const names[] = {"torch", "numpy"}; /* the variant names outlive pairs[] */
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < npairs; i++) {
			if (strcmp(pairs[i].peer, names[k]) || strcmp(pairs[i].op, op->name)) continue;
			int n = vb_op_nvariants(op);
			if (n < VB_MAX_VARIANTS && vb_op_variant_index(op, names[k]) < 0)
				op->variants[n] = (vb_variant){.name = names[k], .dtype = VB_F32, .device = VB_PEER};
		}
}

/* ---- the worker ---- */

static struct {
	pid_t pid;
	int fd;              /* socket: the worker's stdin and stdout */
	int started;         /* tried to start */
	int died;            /* exited, or was killed after a bad reply */
	char why[320];       /* why it cannot run, when it cannot */
	cJSON *hello;        /* its answer to hello */
	char reason[2][320]; /* per peer, "" when available */
} W = {.pid = -1, .fd = -1};

int vb_peer_worker_pid(void) { return W.pid > 0 ? (int)W.pid : 0; }

static void stop_worker(void) {
	if (W.fd >= 0) close(W.fd); /* the worker reads EOF and exits */
	W.fd = -1;
	if (W.pid > 0) {
		int status;
		while (waitpid(W.pid, &status, 0) < 0 && errno == EINTR) {
		}
	}
	W.pid = -1;
	cJSON_Delete(W.hello);
	W.hello = NULL;
}

/* The worker is gone or unusable: one line on stderr, once; the peer
 * variants are unavailable from here on (W.why), and the run exits 1. */
static void worker_failed(const char *during, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void worker_failed(const char *during, const char *fmt, ...) {
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (W.pid > 0) kill(W.pid, SIGKILL);
	int status = 0;
	pid_t pid = W.pid;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
		}
	W.pid = -1;
	if (W.fd >= 0) close(W.fd);
	W.fd = -1;
	char how[64] = "";
	if (pid > 0 && WIFEXITED(status))
		snprintf(how, sizeof how, " (exit status %d)", WEXITSTATUS(status));
	else if (pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		snprintf(how, sizeof how, " (signal %d)", WTERMSIG(status));
	snprintf(W.why, sizeof W.why, "peer worker %s%s during %s", msg, how, during);
	W.died = 1;
	fprintf(stderr, "vecbench: %s; no torch or numpy variant runs from here\n", W.why);
}

static double timeout_ms(void) {
	const char *e = getenv("VB_PEER_TIMEOUT");
	double s = e && *e ? atof(e) : 600;
	return (s > 0 ? s : 600) * 1e3;
}

static int send_all(const void *p, size_t n) {
	const char *c = p;
	while (n) {
		ssize_t k = send(W.fd, c, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return -1;
		c += k, n -= (size_t)k;
	}
	return 0;
}

/* 0, or -1 with *why "exited" or "timed out". */
static int recv_all(void *p, size_t n, const char **why) {
	char *c = p;
	double deadline = vb_now() * 1e3 + timeout_ms();
	while (n) {
		double left = deadline - vb_now() * 1e3;
		struct pollfd pf = {.fd = W.fd, .events = POLLIN};
		int r = left > 0 ? poll(&pf, 1, left > 1e9 ? 1000000000 : (int)left) : 0;
		if (r < 0 && errno == EINTR) continue;
		if (r == 0) {
			*why = "gave no reply in time (VB_PEER_TIMEOUT)";
			return -1;
		}
		ssize_t k = r > 0 ? recv(W.fd, c, n, 0) : -1;
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) {
			*why = "exited";
			return -1;
		}
		c += k, n -= (size_t)k;
	}
	return 0;
}

/* One JSON line. */
static cJSON *recv_line(const char **why) {
	size_t cap = 4096, len = 0;
	char *buf = VB_XMALLOC(cap);
	for (;;) {
		if (recv_all(buf + len, 1, why) != 0) {
			free(buf);
			return NULL;
		}
		if (buf[len] == '\n') break;
		if (++len == cap) {
			if (cap >= ((size_t)1 << 24)) {
				*why = "sent a reply line too long";
				free(buf);
				return NULL;
			}
			char *g = realloc(buf, cap *= 2);
			if (!g) vb_die(VB_EXIT_USAGE, "out of memory");
			buf = g;
		}
	}
	buf[len] = 0;
	cJSON *j = cJSON_Parse(buf);
	free(buf);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		*why = "sent a reply that is not JSON";
		return NULL;
	}
	return j;
}

/* Sends a request (JSON line and blobs), returns the reply; NULL when the
 * worker failed (W.why says how). */
static cJSON *request(cJSON *req, char *const *blobs, const size_t *lens, int nblobs, const char *during) {
	if (W.fd < 0) return NULL;
	char *line = cJSON_PrintUnformatted(req);
	int rc = send_all(line, strlen(line)) || send_all("\n", 1);
	cJSON_free(line);
	for (int i = 0; i < nblobs && !rc; i++)
		rc = send_all(blobs[i], lens[i]);
	const char *why = "exited";
	cJSON *r = rc ? NULL : recv_line(&why);
	if (!r) worker_failed(during, "%s", why);
	return r;
}

static void start_worker(void) {
	W.started = 1;
	if (access(python(), X_OK) != 0) {
		snprintf(W.why, sizeof W.why, "%s not found: apt-get install python3-numpy python3-torch", python());
		return;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(W.why, sizeof W.why, "cannot create a socket for the peer worker: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(W.why, sizeof W.why, "cannot start the peer worker: %s", strerror(errno));
		close(sv[0]), close(sv[1]);
		return;
	}
	if (pid == 0) {
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		execl(python(), python(), "-B", worker_path(), "serve", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	W.pid = pid;
	W.fd = sv[0];
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "hello");
	cJSON *r = request(req, NULL, NULL, 0, "start-up");
	cJSON_Delete(req);
	if (!r) return;
	W.hello = r;
	cJSON *peers = cJSON_GetObjectItemCaseSensitive(r, "peers");
	static const char *const names[] = {"torch", "numpy"};
	for (int k = 0; k < 2; k++) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(peers, names[k]);
		cJSON *why = cJSON_GetObjectItemCaseSensitive(p, "reason");
		if (!cJSON_IsObject(p))
			snprintf(W.reason[k], sizeof W.reason[k], "the peer worker does not know %s", names[k]);
		else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "available")))
			snprintf(W.reason[k], sizeof W.reason[k], "%s",
			         cJSON_IsString(why) ? why->valuestring : "unavailable");
	}
}

static void at_exit(void) { stop_worker(); }

static int peer_index(const char *name) { return strcmp(name, "torch") == 0 ? 0 : 1; }

const char *vb_peer_unavailable(const char *peer) {
	if (!W.started) {
		start_worker();
		atexit(at_exit);
	}
	if (W.why[0]) return W.why;
	return W.reason[peer_index(peer)][0] ? W.reason[peer_index(peer)] : NULL;
}

int vb_peer_died(void) { return W.died; }

/* ---- .npy in and out ---- */

static void add_tensor_spec(cJSON *arr, const vb_tensors *ts, int i, size_t bytes) {
	const vb_tensor *t = &ts->op->tensors[i];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", t->name);
	if (bytes) cJSON_AddNumberToObject(o, "bytes", (double)bytes);
	cJSON *shape = cJSON_AddArrayToObject(o, "shape");
	cJSON_AddItemToArray(shape, cJSON_CreateNumber(t->rows == VB_ONE ? 1 : (double)ts->dim[t->rows]));
	cJSON_AddItemToArray(shape, cJSON_CreateNumber(t->cols == VB_ONE ? 1 : (double)ts->dim[t->cols]));
	cJSON_AddItemToArray(arr, o);
}

/* A float32 .npy (C order) of exactly numel elements into tensor i. */
static int npy_decode(const char *buf, size_t len, vb_tensors *ts, int i, char *err, size_t errlen) {
	const char *name = ts->op->tensors[i].name;
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) {
		snprintf(err, errlen, "peer output %s is not a .npy file", name);
		return -1;
	}
	size_t hlen = buf[6] == 1 ? (size_t)(unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8 : 0;
	size_t data = 10 + hlen;
	if (buf[6] != 1 || data > len || !memmem(buf + 10, hlen, "'<f4'", 5) ||
	    !memmem(buf + 10, hlen, "'fortran_order': False", 22) ||
	    len - data != (size_t)ts->numel[i] * sizeof(float)) {
		snprintf(err, errlen, "peer output %s: expected %lld float32 values in C order", name,
		         (long long)ts->numel[i]);
		return -1;
	}
	const float *v = (const float *)(const void *)(buf + data);
	for (int64_t k = 0; k < ts->numel[i]; k++) {
		float x;
		memcpy(&x, v + k, sizeof x); /* the data need not be aligned */
		vb_store(ts->ptr[i], ts->dtype, k, x);
	}
	return 0;
}

static int fail_reply(cJSON *r, char *err, size_t errlen) {
	if (!r) {
		snprintf(err, errlen, "%s", W.why);
		return -1;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) return 0;
	cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	snprintf(err, errlen, "peer error: %s", cJSON_IsString(e) ? e->valuestring : "(no message)");
	cJSON_Delete(r);
	return -1;
}

/* Sends the case's inputs (and in/out tensors as they are now). */
static int load(const vb_variant *v, vb_tensors *ts, int tune, int *threads, char *err, size_t errlen) {
	const char *why = vb_peer_unavailable(v->name);
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	const vb_op *op = ts->op;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "load");
	cJSON_AddStringToObject(req, "peer", v->name);
	cJSON_AddStringToObject(req, "op", op->name);
	cJSON *dims = cJSON_AddObjectToObject(req, "dims");
	for (int d = 0; d < vb_op_ndims(op); d++)
		cJSON_AddNumberToObject(dims, op->dims[d], (double)ts->dim[d]);
	if (op->lr > 0) cJSON_AddNumberToObject(req, "lr", op->lr); /* the descriptor's, for a training step */
	cJSON *ins = cJSON_AddArrayToObject(req, "tensors"), *outs = cJSON_AddArrayToObject(req, "outputs");
	char *blobs[VB_MAX_TENSORS];
	size_t lens[VB_MAX_TENSORS];
	int nb = 0;
	for (int i = 0; i < ts->n; i++) {
		const vb_tensor *t = &op->tensors[i];
		if (t->dir != VB_OUT) {
			int64_t r = t->rows == VB_ONE ? 1 : ts->dim[t->rows],
			        c = t->cols == VB_ONE ? 1 : ts->dim[t->cols];
			blobs[nb] = vb_npy_encode(ts->ptr[i], ts->dtype, r, c, ts->numel[i], &lens[nb]);
			add_tensor_spec(ins, ts, i, lens[nb]);
			nb++;
		}
		if (t->dir != VB_IN) add_tensor_spec(outs, ts, i, 0);
	}
	if (tune) cJSON_AddTrueToObject(req, "tune");
	char during[160];
	snprintf(during, sizeof during, "%s of %s/%s", tune ? "warm-up" : "load", op->name, v->name);
	cJSON *r = request(req, blobs, lens, nb, during);
	cJSON_Delete(req);
	for (int i = 0; i < nb; i++)
		free(blobs[i]);
	if (fail_reply(r, err, errlen) != 0) return -1;
	cJSON *th = cJSON_GetObjectItemCaseSensitive(r, "threads");
	if (threads) *threads = cJSON_IsNumber(th) ? th->valueint : 0;
	cJSON_Delete(r);
	return 0;
}

int vb_peer_call(const vb_variant *v, vb_tensors *ts, char *err, size_t errlen) {
	if (load(v, ts, 0, NULL, err, errlen) != 0) return -1;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "call");
	char during[160];
	snprintf(during, sizeof during, "the call of %s/%s", ts->op->name, v->name);
	cJSON *r = request(req, NULL, NULL, 0, during);
	cJSON_Delete(req);
	if (fail_reply(r, err, errlen) != 0) return -1;
	cJSON *specs = cJSON_GetObjectItemCaseSensitive(r, "tensors"), *s;
	int rc = cJSON_IsArray(specs) ? 0 : -1, seen[VB_MAX_TENSORS] = {0};
	if (rc) snprintf(err, errlen, "peer reply without tensors");
	cJSON_ArrayForEach(s, specs) {
		cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name"),
		      *bytes = cJSON_GetObjectItemCaseSensitive(s, "bytes");
		double n = cJSON_IsNumber(bytes) ? bytes->valuedouble : -1;
		if (!cJSON_IsString(name) || n < 0 || n > 1e11) {
			worker_failed(during, "sent a malformed tensor list");
			snprintf(err, errlen, "%s", W.why);
			rc = -1;
			break;
		}
		char *buf = VB_XMALLOC((size_t)n + 1);
		const char *why = "exited";
		if (recv_all(buf, (size_t)n, &why) != 0) {
			free(buf);
			worker_failed(during, "%s", why);
			snprintf(err, errlen, "%s", W.why);
			rc = -1;
			break;
		}
		int i = vb_op_tensor_index(ts->op, name->valuestring);
		if (rc == 0 && (i < 0 || ts->op->tensors[i].dir == VB_IN)) {
			snprintf(err, errlen, "peer returned '%s', not an output of %s", name->valuestring,
			         ts->op->name);
			rc = -1;
		}
		if (rc == 0 && npy_decode(buf, (size_t)n, ts, i, err, errlen) != 0) rc = -1;
		if (rc == 0) seen[i] = 1;
		free(buf);
	}
	for (int i = 0; i < ts->n && rc == 0; i++)
		if (ts->op->tensors[i].dir != VB_IN && !seen[i]) {
			snprintf(err, errlen, "peer returned no %s", ts->op->tensors[i].name);
			rc = -1;
		}
	cJSON_Delete(r);
	return rc;
}

int vb_peer_prepare(const vb_variant *v, vb_tensors *ts, int *threads, char *err, size_t errlen) {
	return load(v, ts, 1, threads, err, errlen);
}

int vb_peer_bench(vb_bm_state *st, const vb_variant *v, const vb_tensors *ts, double *peak_rss, char *err,
                  size_t errlen) {
	int64_t n = vb_bm_max_iterations(st);
	if (n < 1) n = 1;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "time");
	cJSON_AddNumberToObject(req, "calls", (double)n);
	char during[160];
	snprintf(during, sizeof during, "the timing of %s/%s", ts->op->name, v->name);
	cJSON *r = request(req, NULL, NULL, 0, during);
	cJSON_Delete(req);
	if (fail_reply(r, err, errlen) != 0) return -1;
	cJSON *sec = cJSON_GetObjectItemCaseSensitive(r, "seconds");
	double per = cJSON_IsNumber(sec) ? sec->valuedouble / (double)n : -1;
	cJSON *rss = cJSON_GetObjectItemCaseSensitive(r, "peak_rss_bytes");
	*peak_rss = cJSON_IsNumber(rss) && rss->valuedouble > 0 ? rss->valuedouble : NAN;
	cJSON_Delete(r);
	if (!(per > 0)) {
		snprintf(err, errlen, "peer reply without a time");
		return -1;
	}
	while (vb_bm_keep_running(st))
		vb_bm_set_iteration_time(st, per);
	return 0;
}

void vb_peers_context_register(void) {
	if (!W.hello || W.fd < 0) return;
	/* hello again: the versions of the libraries that ran since the first one */
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "hello");
	cJSON *r = request(req, NULL, NULL, 0, "hello");
	cJSON_Delete(req);
	if (!r) return;
	cJSON_Delete(W.hello);
	W.hello = r;
	cJSON *py = cJSON_GetObjectItemCaseSensitive(W.hello, "python");
	char v[320];
	snprintf(v, sizeof v, "%s %s", python(), cJSON_IsString(py) ? py->valuestring : "");
	vb_bm_add_context("peer_python", v);
	cJSON *peers = cJSON_GetObjectItemCaseSensitive(W.hello, "peers");
	static const char *const names[] = {"torch", "numpy"};
	for (int k = 0; k < 2; k++) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(peers, names[k]);
		cJSON *ver = cJSON_GetObjectItemCaseSensitive(p, "version");
		char key[64];
		snprintf(key, sizeof key, "peer_%s_version", names[k]);
		if (cJSON_IsString(ver) && *ver->valuestring) vb_bm_add_context(key, ver->valuestring);
	}
}
