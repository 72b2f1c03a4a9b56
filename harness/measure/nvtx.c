/* NVTX ranges around every timed variant, so Nsight Systems shows
 * op/variant/dims. NVTX3 is header-only and costs nothing without a tool
 * attached; without the headers the ranges compile to nothing. */
#include "harness.h"

#if defined(VB_HAVE_NVTX)
#include <nvtx3/nvToolsExt.h>
void vb_range_push(const char *name) { nvtxRangePushA(name); }
void vb_range_pop(void) { nvtxRangePop(); }
#else
void vb_range_push(const char *name) { (void)name; }
void vb_range_pop(void) {}
#endif
