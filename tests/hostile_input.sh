#!/usr/bin/env bash
# Hostile input battery: every bad input gets exactly one error line on stderr
# ("vecbench: ...", warnings aside) and exit status 2, within a time limit; no crash (no
# signal, no sanitizer report), no hang, no file left behind: no --out file,
# no temporary or probe file, nothing new in a dump directory.
# Usage: hostile_input.sh VECBENCH
vb=$1
fails=0
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export TMPDIR=$tmp/tmpdir # run's Google Benchmark file goes here: must be empty afterwards
mkdir -p "$TMPDIR" "$tmp/out"

# description, regex the message must match (case-insensitive), command...
expect2() {
	local what=$1 text=$2
	shift 2
	local err rc lines
	err=$(timeout 120 "$@" 2>&1 >/dev/null)
	rc=$?
	# Warnings are not errors (e.g. a roofline calibration on a busy machine).
	err=$(grep -v '^vecbench: warning: ' <<<"$err")
	lines=$(printf '%s\n' "$err" | wc -l)
	local why=""
	[ $rc -eq 124 ] && why="hung (killed after 120 s)"
	[ -z "$why" ] && [ $rc -ne 2 ] && why="exit $rc, not 2"
	[ -z "$why" ] && [ "$lines" -ne 1 ] && why="$lines lines on stderr, not 1"
	[ -z "$why" ] && ! grep -q '^vecbench: ' <<<"$err" && why="message does not start with 'vecbench: '"
	[ -z "$why" ] && ! grep -qiE -- "$text" <<<"$err" && why="message does not match /$text/"
	local left
	left=$(find "$TMPDIR" "$tmp/out" -mindepth 1 | head -3)
	[ -z "$why" ] && [ -n "$left" ] && why="left files behind: $left"
	rm -rf "${TMPDIR:?}"/* "$tmp"/out/*
	if [ -n "$why" ]; then
		echo "FAIL: $what: $why; stderr: $(head -c 600 <<<"$err")"
		fails=$((fails + 1))
	else
		echo "ok: $what -> $(head -c 300 <<<"$err")"
	fi
}

small=(--op '^dense_fwd$' --dims m=3,d=4,h=5)
gb=(-- --benchmark_min_time=0.01)

# ---- commands, flags, missing values, repeats ----
expect2 "no command" "no command" "$vb"
expect2 "unknown command" "unknown command" "$vb" frobnicate
expect2 "empty command" "unknown command" "$vb" ""
for cmd in list check run dump compare plot report machine-id; do
	"$vb" help | grep -qE "^  $cmd( |$)" || continue
	expect2 "$cmd: unknown flag" "unknown option '--frob'" "$vb" $cmd --frob
	expect2 "$cmd: unknown flag with value" "unknown option '--frob'" "$vb" $cmd --frob=3
done
expect2 "check: stray positional" "unexpected argument" "$vb" check dense_fwd
expect2 "check: single-dash flag" "unexpected argument" "$vb" check -x
expect2 "check: '--' where none is taken" "unexpected '--'" "$vb" check --
expect2 "list: value to a flag" "takes no value" "$vb" list --json=yes
expect2 "run: value to a flag" "takes no value" "$vb" run --quick=1
for opt in op variant dims seed scale; do
	expect2 "check: --$opt without value" "needs a value" "$vb" check --$opt
	expect2 "check: --$opt= empty" "needs a value" "$vb" check --$opt=
done
expect2 "run: --out without value" "needs a value" "$vb" run --out
expect2 "run: --out= empty" "needs a value" "$vb" run --out=
expect2 "dump: --out without value" "needs a value" "$vb" dump dense_fwd --out
expect2 "repeated --op" "given twice" "$vb" check --op dense --op dense
expect2 "repeated --dims" "given twice" "$vb" check --dims m=3 --dims m=4
expect2 "repeated --seed (= form)" "given twice" "$vb" check --seed=1 --seed=2
expect2 "repeated --out" "given twice" "$vb" run --out "$tmp/out/a.json" --out "$tmp/out/b.json"
expect2 "repeated --quick" "given twice" "$vb" run --quick --quick

# ---- sizes ----
for bad in m=0 m=00 d=-1 m=-0 m=abc m=1.5 m=1e3 m=0x10 m=+5 "m= 5" m= =5 M=5 m m=5,,d=3 m=5, ,m=5 "m=5;d=3" \
	m=2147483649 m=9223372036854775807 m=9223372036854775808 m=18446744073709551616 \
	m=99999999999999999999999999999999999999 m=5,m=6 "a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,o=1,p=1,q=1" \
	this_dim_name_is_too_long=3; do
	expect2 "--dims '$bad'" "dims" "$vb" check --op '^dense_fwd$' --dims "$bad"
done
expect2 "--dims naming no dim of the op" "no selected op has" "$vb" check --op '^dense_fwd$' --dims zz=3
expect2 "--dims with a newline" "bad --dims" "$vb" check --dims $'m=1\nd=2'
expect2 "--dims of 100 kB" "bad --dims" "$vb" check --dims "m=$(printf '1%.0s' $(seq 100000))"
expect2 "huge: larger than memory" "more than this machine" "$vb" check --op '^dense_fwd$' \
	--dims m=2147483648,d=2147483648,h=2147483648
expect2 "huge: run larger than memory" "more than this machine" "$vb" run --op '^dense_fwd$' \
	--dims m=2000000000,d=2000000000 --out "$tmp/out/r.json"
# Fits the memory check but the allocation fails: a 2 GiB address-space
# limit (ASan reserves terabytes of shadow, so there its allocator limit).
asan=$(ldd "$vb" 2>/dev/null | grep -c libasan)
if [ "$asan" -gt 0 ]; then
	# ASan warns of each refused allocation: to a log of its own, checked below.
	mkdir -p "$tmp/oom"
	limit=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=1024:log_path=$tmp/oom/asan")
else
	limit=(bash -c 'ulimit -v 2000000 && exec "$@"' limit)
fi
expect2 "huge: allocation fails (check)" "out of memory" "${limit[@]}" "$vb" check --op '^dense_fwd$' \
	--dims m=40000,d=10000,h=1
expect2 "huge: allocation fails (run)" "out of memory" "${limit[@]}" "$vb" run --op '^dense_fwd$' \
	--dims m=40000,d=10000,h=1 --out "$tmp/out/r.json"
expect2 "huge: allocation fails (dump)" "out of memory" "${limit[@]}" "$vb" dump dense_fwd --dims m=40000,d=10000,h=1 \
	--out "$tmp/out/d"
if [ "$asan" -gt 0 ] && cat "$tmp"/oom/* 2>/dev/null | grep -v 'WARNING: AddressSanitizer failed to allocate' | grep -q .; then
	echo "FAIL: sanitizer report while out of memory:"
	cat "$tmp"/oom/*
	fails=$((fails + 1))
fi

# ---- seeds, scales ----
for bad in -1 abc 1.5 18446744073709551616 " 1" 0x10; do
	expect2 "--seed '$bad'" "bad --seed" "$vb" check "${small[@]}" --seed "$bad"
done
for bad in 0 -1 nan inf -inf 1e999 abc 1x; do
	expect2 "--scale '$bad'" "bad --scale" "$vb" check "${small[@]}" --scale "$bad"
done

# ---- selections ----
expect2 "regex matching nothing" "matches no op" "$vb" check --op '^nosuchop$'
expect2 "regex matching nothing (run)" "matches no op" "$vb" run --op 'zzz' --out "$tmp/out/r.json"
expect2 "regex matching nothing (100 kB)" "matches no op" "$vb" check --op "$(printf 'q%.0s' $(seq 100000))"
expect2 "invalid regex (" "bad --op regex" "$vb" check --op '('
expect2 "invalid regex [" "bad --op regex" "$vb" check --op '[a'
expect2 "invalid regex a{2,1}" "bad --op regex" "$vb" check --op 'a{2,1}'
expect2 "regex with a newline" "matches no op" "$vb" check --op $'dense\nfwd'
expect2 "unknown variant" "no selected op has variant" "$vb" check --op dense --variant nosuch
expect2 "variant list of commas" "no selected op has variant" "$vb" check --op dense --variant ,,
if "$vb" list | grep -q 'cuda_vec (unavailable'; then
	expect2 "run: only variants that cannot run here" "nothing to time" "$vb" run "${small[@]}" --variant cuda_vec \
		--out "$tmp/out/r.json"
fi

# ---- output paths ----
mkdir -p "$tmp/ro"
touch "$tmp/afile"
expect2 "run --out in a missing directory" "cannot write --out" "$vb" run "${small[@]}" --out "$tmp/out/no/such/r.json" "${gb[@]}"
expect2 "run --out under a regular file" "cannot write --out" "$vb" run "${small[@]}" --out "$tmp/afile/r.json" "${gb[@]}"
expect2 "run --out is a directory" "is a directory" "$vb" run "${small[@]}" --out "$tmp/out" "${gb[@]}"
if [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$tmp/ro"
	expect2 "run --out in a read-only directory" "cannot write --out" "$vb" run "${small[@]}" --out "$tmp/ro/r.json" "${gb[@]}"
	expect2 "dump --out in a read-only directory" "cannot" "$vb" dump dense_fwd --dims m=2,d=2,h=2 --out "$tmp/ro/d"
	chmod 755 "$tmp/ro"
fi
# Unwritable even for root: procfs takes no new files.
expect2 "run --out on procfs" "cannot write --out" "$vb" run "${small[@]}" --out /proc/vecbench-test.json "${gb[@]}"
expect2 "dump --out on procfs" "cannot" "$vb" dump dense_fwd --dims m=2,d=2,h=2 --out /proc/vecbench-test
expect2 "dump --out in a missing directory" "cannot create" "$vb" dump dense_fwd --dims m=2,d=2,h=2 \
	--out "$tmp/out/no/such/d"
expect2 "dump --out is a file" "not a directory" "$vb" dump dense_fwd --dims m=2,d=2,h=2 --out "$tmp/afile"
# dump into a directory that already holds one of its files: refused before
# anything is written, the directory unchanged.
mkdir -p "$tmp/dumped"
echo keep >"$tmp/dumped/Z.npy"
before=$(ls -la "$tmp/dumped"; md5sum "$tmp/dumped/Z.npy")
expect2 "dump over an existing file" "exists; not overwriting" "$vb" dump dense_fwd --dims m=2,d=2,h=2 --out "$tmp/dumped"
after=$(ls -la "$tmp/dumped"; md5sum "$tmp/dumped/Z.npy")
[ "$before" = "$after" ] || { echo "FAIL: dump changed $tmp/dumped"; fails=$((fails + 1)); }
ls "$tmp" | grep -qE '\.(tmp|probe)' && { echo "FAIL: temporary file left in $tmp"; fails=$((fails + 1)); }

# ---- Google Benchmark's flags ----
expect2 "unknown benchmark flag" "Google Benchmark flag" "$vb" run "${small[@]}" -- --benchmark_frob=1
expect2 "positional after --" "Google Benchmark flag" "$vb" run "${small[@]}" -- stray

# ---- compare: results files that are not results ----
if "$vb" help | grep -q compare; then
	good=$tmp/good.json
	timeout 300 "$vb" run "${small[@]}" --quiet --out "$good" "${gb[@]}" >/dev/null 2>&1 ||
		{ echo "FAIL: could not make a results file"; fails=$((fails + 1)); }
	c=$tmp/cmp
	mkdir -p "$c"
	: >"$c/empty.json"
	head -c $(($(wc -c <"$good") / 2)) "$good" >"$c/truncated.json"
	printf '{"context": {}, "benchmarks": [' >"$c/unterminated.json"
	printf '{"context": {}, "benchmarks": [{"name": "x", "real_time": }]}' >"$c/malformed.json"
	printf '[1, 2, 3]' >"$c/array.json"
	printf '{"benchmarks": 5}' >"$c/wrong_type.json"
	printf '{"context": {}, "benchmarks": [{"name": 7, "real_time": "fast"}]}' >"$c/wrong_fields.json"
	printf '"just a string"' >"$c/string.json"
	/usr/bin/python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$c/deep.json"
	/usr/bin/python3 -c 'import random, sys; r = random.Random(7); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))' >"$c/binary.json"
	printf '{"context": {}, "benchmarks": []}\0garbage' >"$c/nul.json"
	printf '\xff\xfe{\x00"\x00' >"$c/utf16.json"
	truncate -s 64M "$c/huge.json" # sparse: zeros, bigger than any results file
	# Well-formed JSON with figures that are not figures.
	one='{"context": {}, "benchmarks": [{"name": "x", "run_name": "x", "run_type": "iteration", "iterations": 1,
	      "real_time": RT, "cpu_time": 1, "time_unit": "UNIT"}]}'
	for bad in negative_time:-5:ns inf_time:1e999:ns nan_time:NaN:ns bad_unit:5:parsecs; do
		IFS=: read -r name rt unit <<<"$bad"
		sed "s/RT/$rt/; s/UNIT/$unit/" <<<"$one" >"$c/$name.json"
	done
	for f in "$c"/*.json; do
		name=$(basename "$f" .json)
		# the message names the file that is bad
		expect2 "compare: $name as baseline" "$name\.json" "$vb" compare "$f" "$good"
		expect2 "compare: $name as candidate" "$name\.json" "$vb" compare "$good" "$f"
	done
	expect2 "compare: no files" "compare" "$vb" compare
	expect2 "compare: one file" "compare" "$vb" compare "$good"
	expect2 "compare: missing file" "no such file|cannot" "$vb" compare "$tmp/none.json" "$good"
	expect2 "compare: a directory" "directory|cannot" "$vb" compare "$tmp" "$good"
	expect2 "compare: unknown flag" "unknown option" "$vb" compare --frob "$good" "$good"
	expect2 "compare: --threshold -5" "bad --threshold" "$vb" compare "$good" "$good" --threshold -5
	expect2 "compare: --alpha 2" "bad --alpha" "$vb" compare "$good" "$good" --alpha 2
	expect2 "compare: --alpha nan" "bad --alpha" "$vb" compare "$good" "$good" --alpha nan
	# plot and report read the same files
	for cmd in plot report; do
		"$vb" help | grep -q "^  $cmd " || continue
		for f in "$c"/{empty,truncated,binary,deep,huge,wrong_type,nan_time}.json; do
			expect2 "$cmd: $(basename "$f")" "$(basename "$f" .json)\.json" "$vb" $cmd "$f" --out "$tmp/out/x"
		done
		expect2 "$cmd: missing results file" "cannot read" "$vb" $cmd "$tmp/none.json" --out "$tmp/out/x"
		expect2 "$cmd: without --out" "required" "$vb" $cmd "$good"
		expect2 "$cmd: --out on procfs" "cannot" "$vb" $cmd "$good" --out /proc/vecbench-test
	done
fi
expect2 "run: --repetitions 0" "bad --repetitions" "$vb" run "${small[@]}" --repetitions 0
expect2 "run: --repetitions 1001" "bad --repetitions" "$vb" run "${small[@]}" --repetitions 1001
if "$vb" help | grep -q machine-id; then
	expect2 "machine-id: stray argument" "unexpected argument" "$vb" machine-id extra
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
