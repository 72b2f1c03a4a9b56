/* The commands the CLI itself implements; main.c dispatches to these and to
 * those of the other parts (measure: run, doctor, calibration-key; gate:
 * compare, machine-id, ab; results: plot, report). */
#ifndef VB_COMMANDS_H
#define VB_COMMANDS_H

int vb_cmd_list(int argc, char **argv);
int vb_cmd_check(int argc, char **argv);
int vb_cmd_dump(int argc, char **argv);
/* Their usage, as `vecbench help` lists it and `vecbench <command> --help` prints it. */
extern const char vb_usage_list[], vb_usage_check[], vb_usage_dump[];

#endif
