/* The control: the same part including a header it may use must compile,
 * so the wrong-way failures are the include path's doing. */
#include RIGHT_HEADER

int vb_layering_probe;
