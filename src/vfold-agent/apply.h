/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's effect on the guest kernel: governor mode hint while it
 * runs, a hint per target, the mode it found back when it stops.
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
	uint32_t ttl_ms;	/* last hint_ttl_ms written, 0 for none */
	bool has_ack;
	uint32_t ack;		/* seq of the last target handled */
	char ack_error[VFOLD_ERROR_MAX];
};

/*
 * Checks the governor is there, remembers its mode and sets mode hint.
 * Returns 0 or -errno with the reason in @err: -ENOENT is a kernel
 * without the paravirt governor.
 */
int agent_start(struct agent *a, const char *sysfs_root, char *err,
		size_t errlen);

/*
 * Applies target @seq: checks cpus against the online CPUs, writes
 * hint_ttl_ms if it changed, then hint (which renews it in the kernel).
 * Returns 0, or -errno with nothing changed (-ERANGE: too many cpus)
 * and a->ack_error saying why.
 */
int agent_target(struct agent *a, uint32_t seq, const struct vfold_target *t);

/* Writes back the mode agent_start() found ("off" unfolds at once). */
int agent_restore(struct agent *a);

/*
 * Fills @r from the guest's files and the last ack; @demand_milli is
 * capped at what the online CPUs allow. Returns 0 or -errno.
 */
int agent_report(const struct agent *a, uint32_t demand_milli,
		 struct vfold_report *r);

#endif
