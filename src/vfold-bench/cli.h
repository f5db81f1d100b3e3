/* SPDX-License-Identifier: GPL-2.0 */
/* vfold-bench's command line: subcommands, their options, the result line. */
#ifndef VFOLD_BENCH_CLI_H
#define VFOLD_BENCH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "pipe.h"
#include "wake.h"


/*
 * Parse a subcommand's arguments, @argv[0] being its name. Return 0 to
 * run, 1 for -h, or -EINVAL with the reason in @err.
 */
int wake_parse_args(int argc, char **argv, struct wake_opts *o, char *err,
		    size_t errlen);
int pipe_parse_args(int argc, char **argv, struct pipe_opts *o, char *err,
		    size_t errlen);

void bench_usage(FILE *f);

/*
 * The whole program: the result line on @out, messages on @errf.
 * Returns the exit status: 0, 1 the benchmark failed, 2 bad arguments.
 */
int bench_main(int argc, char **argv, FILE *out, FILE *errf);

#endif
