/* The loop train step of reference/mlp_step.inc, the same source compiled
 * with the kernels' flags (-O3 -march=native): what the compiler alone makes
 * of the textbook loops, between `loop` and `vec` in the speedup breakdown. */
#define MLP_TRAIN_STEP_LOOP mlp_train_step_loop_autovec
#include "../../reference/mlp_step.inc"
