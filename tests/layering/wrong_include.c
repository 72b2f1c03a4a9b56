/* Compiled with one harness part's include path, it includes the header of
 * a part that part may not use (WRONG_HEADER): the build must fail. */
#include WRONG_HEADER

int vb_layering_probe;
