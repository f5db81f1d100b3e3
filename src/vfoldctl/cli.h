/* SPDX-License-Identifier: GPL-2.0 */
/* vfoldctl's command line: options, commands, usage. */
#ifndef VFOLDCTL_CLI_H
#define VFOLDCTL_CLI_H

#include <stdio.h>

void ctl_usage(FILE *f);

/*
 * The whole program: reports on @out, messages on @errf. Returns the exit
 * status, as util-linux's tools: 0 success, 1 any failure (bad usage
 * included).
 */
int ctl_main(int argc, char **argv, FILE *out, FILE *errf);

/*
 * Flushes @out: 0, or 1 with "write error: ..." on @errf if anything
 * written to it could not be (a full disk, a closed pipe).
 */
int ctl_out_error(FILE *out, FILE *errf);

#endif
