/* Scratch memory for kernels. Blocks are kept across calls, so a timed loop
 * allocates only on its first iteration; the high-water mark is the
 * variant's peak workspace. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { ALIGN = 64, MAX_BLOCKS = 128 };

struct vb_arena {
	int nblocks, used_blocks;
	void *block[MAX_BLOCKS];
	size_t size[MAX_BLOCKS];
	size_t live, peak;
	int poison;
};

vb_arena *vb_arena_new(void) {
	vb_arena *a = calloc(1, sizeof *a);
	if (!a) vb_die(VB_EXIT_USAGE, "out of memory allocating a workspace arena");
	return a;
}

/* One block per request, reused in the same order on the next call: kernels
 * ask for the same sizes every call. */
void *vb_scratch(const vb_call *c, size_t bytes) {
	vb_arena *a = c->ws;
	if (!a) vb_die(VB_EXIT_USAGE, "vb_scratch called without a workspace arena");
	int i = a->used_blocks;
	if (i == MAX_BLOCKS) vb_die(VB_EXIT_USAGE, "a kernel asked for more than %d scratch blocks", MAX_BLOCKS);
	size_t padded = (bytes + ALIGN - 1) / ALIGN * ALIGN;
	if (i < a->nblocks && a->size[i] < padded) {
		free(a->block[i]);
		a->block[i] = NULL;
		a->size[i] = 0;
	}
	if (!a->block[i]) {
		a->block[i] = aligned_alloc(ALIGN, padded ? padded : ALIGN);
		if (!a->block[i])
			vb_die(VB_EXIT_USAGE, "out of memory: a kernel asked for %zu bytes of scratch", bytes);
		a->size[i] = padded;
		if (i == a->nblocks) a->nblocks++;
	}
	if (a->poison) memset(a->block[i], 0xff, padded); /* NaN in every float type */
	a->used_blocks++;
	a->live += padded;
	if (a->live > a->peak) a->peak = a->live;
	return a->block[i];
}

void vb_arena_poison(vb_arena *a) { a->poison = 1; }

vb_scratch_mark vb_scratch_save(const vb_call *c) {
	return (vb_scratch_mark){.blocks = c->ws->used_blocks, .live = c->ws->live};
}

void vb_scratch_release(const vb_call *c, vb_scratch_mark m) {
	c->ws->used_blocks = m.blocks;
	c->ws->live = m.live;
}

void vb_arena_reset(vb_arena *a) {
	a->used_blocks = 0;
	a->live = 0;
}

size_t vb_arena_peak(const vb_arena *a) { return a->peak; }

void vb_arena_free(vb_arena *a) {
	if (!a) return;
	for (int i = 0; i < a->nblocks; i++)
		free(a->block[i]);
	free(a);
}
