/* `vecbench ab BASE.so NEW.so`: paired timing of two builds' kernels in one
 * process, with adaptive stopping (harness/gate/ab.c). */
#ifndef VB_AB_H
#define VB_AB_H

int vb_cmd_ab(int argc, char **argv);
extern const char vb_usage_ab[];

#endif
