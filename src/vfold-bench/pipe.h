/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "vfold-bench pipe": two processes pass a token back and forth over two
 * pipes (as "perf bench sched pipe" does), each pass a sleep and a wakeup.
 */
#ifndef VFOLD_BENCH_PIPE_H
#define VFOLD_BENCH_PIPE_H

#include <stddef.h>
#include <stdint.h>

#define PIPE_LOOPS_MAX	100000000

struct pipe_opts {
	unsigned int loops;		/* round trips */
};

struct pipe_result {
	unsigned int loops;
	uint64_t elapsed_ns;
};

/*
 * Forks the other process and runs @o->loops round trips. Returns 0, or
 * -errno with a message in @err.
 */
int pipe_run(const struct pipe_opts *o, struct pipe_result *r, char *err,
	     size_t errlen);

/* The result line (no '\n'), as snprintf() into @buf. */
int pipe_format(char *buf, size_t len, const struct pipe_result *r);

#endif
