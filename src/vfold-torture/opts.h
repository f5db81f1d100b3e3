/* SPDX-License-Identifier: GPL-2.0 */
/* vfold-torture's command line. */
#ifndef TT_OPTS_H
#define TT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The stressors, each of which --skip can leave out. */
enum tt_stressor {
	TT_S_MASK,
	TT_S_GOVERNOR,
	TT_S_AFFINITY,
	TT_S_HOTPLUG,
	TT_S_CPUSET,
	TT_S_CHURN,
	TT_S_RT,
	TT_S_DL,
	TT_S_MIGDIS,
	TT_S_STRESSNG,
	TT_S_NR
};

/* The invariants, each of which --bust can break on purpose. */
enum tt_inv {
	TT_I_AFF_RUN,
	TT_I_AFF_SAME,
	TT_I_CENSUS,
	TT_I_DRAIN,
	TT_I_MASK,
	TT_I_SPLAT,
	TT_I_STRESSORS,
	TT_I_NR
};

extern const char *const tt_stressor_names[TT_S_NR];
extern const char *const tt_inv_names[TT_I_NR];

struct tt_opts {
	unsigned int seconds;
	uint64_t seed;
	bool seed_given;
	unsigned int mask_hz;
	unsigned int drain_ms;
	unsigned int stall_ms;
	unsigned int workers;		/* CFS spinners; 0: one per online CPU */
	bool skip[TT_S_NR];
	bool bust[TT_I_NR];
	const char *stress_ng;
	bool verbose;
	bool help;
};

/* Exit codes. */
#define TT_EXIT_FAIL	1
#define TT_EXIT_USAGE	2
#define TT_EXIT_SETUP	3

void tt_usage(FILE *f);
/*
 * Parses @argv into @o (defaults first). Returns 0, or -EINVAL with the
 * reason in @err.
 */
int tt_parse_args(int argc, char **argv, struct tt_opts *o, char *err,
		  size_t errlen);

#endif
