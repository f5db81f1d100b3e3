/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's effect on the guest kernel: governor mode hint while
 * targets come, a hint per target, the mode it found back when they stop
 * and when it stops.
 */
#ifndef VFOLD_AGENT_APPLY_H
#define VFOLD_AGENT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "sysfs.h"

struct agent {
	struct vfold_sysfs sys;
	char saved_mode[VFOLD_MODE_MAX];	/* "" until agent_start() */
	bool found_hint;	/* mode hint at start: a dead agent's */
	bool engaged;		/* mode hint written by us, not restored */
	uint32_t ttl_ms;	/* last hint_ttl_ms written, 0 for none */
	bool has_seq;		/* a target applied from this host ... */
	uint32_t last_seq;	/* ... with this seq */
	unsigned long stale;	/* targets refused for an old seq */
	bool has_ack;
	uint32_t ack;		/* seq of the last target handled */
	char ack_error[VFOLD_ERROR_MAX];
};

/*
 * Checks the governor is there and remembers its mode. Mode hint belongs
 * to the agent: found at start, it was left by an agent that could not
 * restore (SIGKILL), so the original is taken as "off" (a->found_hint)
 * and written back at once. Mode hint is set by the first target.
 * Returns 0 or -errno with the reason in @err: -ENOENT is a kernel
 * without the paravirt governor.
 */
int agent_start(struct agent *a, const char *sysfs_root, char *err,
		size_t errlen);

/*
 * Applies target @seq: checks it is newer than the last applied (serial
 * number arithmetic: newer iff (int32_t)(seq - last) > 0) and cpus
 * against the online CPUs, sets mode hint if not set, writes hint_ttl_ms
 * if it changed, then hint (which renews it in the kernel). Returns 0,
 * or -errno with nothing changed (-ESTALE: an old seq, -ERANGE: too many
 * cpus) and a->ack_error saying why.
 */
int agent_target(struct agent *a, uint32_t seq, const struct vfold_target *t);

/* The host side went away: the next one numbers its targets anew. */
void agent_forget_seq(struct agent *a);

/*
 * Writes back the mode agent_start() found ("off" unfolds at once) if
 * mode hint is ours; the next target sets it again.
 */
int agent_restore(struct agent *a);

/*
 * Fills @r from the guest's files and the last ack; @demand_milli is
 * capped at what the online CPUs allow. Returns 0 or -errno.
 */
int agent_report(const struct agent *a, uint32_t demand_milli,
		 struct vfold_report *r);

#endif
