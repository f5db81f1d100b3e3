/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "vfold-bench wake": wakeup latency of worker threads woken by message
 * threads (as schbench measures it), and the requests they complete.
 */
#ifndef VFOLD_BENCH_WAKE_H
#define VFOLD_BENCH_WAKE_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define WAKE_MSG_MAX		256
#define WAKE_WORKERS_MAX	256
#define WAKE_THREADS_MAX	1024	/* message threads x workers each */
#define WAKE_SECONDS_MAX	3600
#define WAKE_WORK_US_MAX	100000

struct wake_opts {
	unsigned int msg_threads;
	unsigned int workers;		/* of each message thread */
	unsigned int run_ms;
	unsigned int work_us;		/* of CPU work per request */
};

struct wake_result {
	unsigned int msg_threads, workers;
	uint64_t requests;		/* completed */
	uint64_t elapsed_ns;		/* from the first request to the last */
	uint64_t work_loops;		/* of the calibrated work, a request */
	struct hist lat;		/* wakeup latencies, ns */
};

/*
 * Runs the benchmark for @o->run_ms. Returns 0, or -errno with a message
 * in @err (a thread could not be created).
 */
int wake_run(const struct wake_opts *o, struct wake_result *r, char *err,
	     size_t errlen);

/* The result line (no '\n'), as snprintf() into @buf. */
int wake_format(char *buf, size_t len, const struct wake_result *r);

#endif
