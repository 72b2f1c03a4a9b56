/* The control of wrong_link.c: a core function resolves from the core part. */
#include "harness.h"

int main(void) { return vb_hash_str("vecbench") == 0; }
