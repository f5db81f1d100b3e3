/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfoldctl watch: the per-CPU table every interval. On a terminal each
 * frame is drawn over the last one (the cursor hidden meanwhile, shown
 * again on any exit, SIGINT and SIGTERM included); otherwise frames
 * follow each other as plain text, or as one JSON object a line.
 */
#ifndef VFOLDCTL_WATCH_H
#define VFOLDCTL_WATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "state.h"

struct watch_opts {
	unsigned int interval_ms;	/* between frames */
	unsigned int sample_ms;		/* before the first (0: since boot) */
	unsigned int count;		/* frames; 0: until a signal */
	bool json;
};

/* Returns the exit status: 0 after @count frames or SIGINT/SIGTERM. */
int ctl_watch(const struct ctl_env *env, const struct watch_opts *o,
	      FILE *out, FILE *errf);

#endif
