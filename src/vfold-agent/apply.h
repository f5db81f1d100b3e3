/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's effect on the guest kernel: governor mode hint while
 * targets come, a hint per target, the mode it found back when they stop
 * and when it stops. Or, with AGENT_USE_STEAL, mode steal and the host's
 * steal injected per CPU, zeroed when the targets stop.
 */
#ifndef VFOLD_AGENT_APPLY_H
#define VFOLD_AGENT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "sysfs.h"

/* What decides how many CPUs the guest keeps (--use). */
enum agent_use {
	AGENT_USE_TARGET,	/* the host's cpus, as the governor's hint */
	AGENT_USE_STEAL,	/* the governor's mode steal, fed the host's */
	AGENT_USE_STEP,		/* a core less or more by the host's steal */
};

/* "target", "steal", "step": 0, or -EINVAL for another name. */
int agent_use_parse(const char *name, enum agent_use *use);
const char *agent_use_name(enum agent_use use);

/*
 * AGENT_USE_STEP folds a core while the kept CPUs' mean steal is above
 * STEP_FOLD_ABOVE permille, unfolds one while it is at most
 * STEP_UNFOLD_AT, and holds in between.
 */
#define STEP_FOLD_ABOVE		50
#define STEP_UNFOLD_AT		20

struct agent {
	struct vfold_sysfs sys;
	enum agent_use use;
	char saved_mode[VFOLD_MODE_MAX];	/* "" until agent_start() */
	bool found_hint;	/* mode hint at start: a dead agent's */
	unsigned int found_steal;	/* CPUs with steal injected at start */
	/* Our mode (steal for AGENT_USE_STEAL, else hint), not restored. */
	bool engaged;
	struct vfold_cpuset injected;	/* CPUs we gave a steal above 0 */
	uint32_t ttl_ms;	/* last hint_ttl_ms written, 0 for none */
	uint32_t hint;		/* last hint written, 0 for none */
	uint32_t step_kept;	/* AGENT_USE_STEP: the kept CPUs ... */
	uint32_t step_steal;	/* ... and their mean steal, last target */
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
 * and written back at once. Mode hint is set by the first target. With
 * AGENT_USE_STEAL, so does injected steal: any found is zeroed
 * (a->found_steal CPUs). Returns 0 or -errno with the reason in @err:
 * -ENOENT is a kernel without the paravirt governor.
 */
int agent_start(struct agent *a, const char *sysfs_root, enum agent_use use,
		char *err, size_t errlen);

/*
 * Applies target @seq: checks it is newer than the last applied (serial
 * number arithmetic: newer iff (int32_t)(seq - last) > 0), then as
 * a->use says:
 *
 * AGENT_USE_TARGET: checks cpus against the online CPUs, writes
 * hint_ttl_ms if it changed, then hint (which renews it in the kernel),
 * then mode hint if not set.
 *
 * AGENT_USE_STEP: from the kept CPUs and the mean of their steal, one
 * core less or more (agent_step()), written as a hint as above.
 *
 * AGENT_USE_STEAL: writes each online CPU's steal (0 past the target's)
 * to inject_cpu_steal, then mode steal if not set; no hint.
 *
 * Returns 0, or -errno with nothing changed and a->ack_error saying why
 * (-ESTALE: an old seq, -ERANGE: too many cpus, -ENODATA: no steal in
 * the target where it is needed, -ENOENT: no inject_cpu_steal).
 */
int agent_target(struct agent *a, uint32_t seq, const struct vfold_target *t);

/*
 * The step rule: of @kept of @nr online CPUs, their steal summing to
 * @steal_sum permille, keep one core (@threads CPUs) less if the mean
 * is above STEP_FOLD_ABOVE but never less than one core, one more if it
 * is at most STEP_UNFOLD_AT but never more than @nr, else @kept.
 */
uint32_t agent_step(uint32_t kept, uint32_t nr, uint32_t threads,
		    uint64_t steal_sum);

/* The host side went away: the next one numbers its targets anew. */
void agent_forget_seq(struct agent *a);

/*
 * Zeroes the steal we injected, and writes back the mode agent_start()
 * found ("off" unfolds at once) if the mode is ours; the next target
 * sets it again. Tries both; returns the first error.
 */
int agent_restore(struct agent *a);

/* Something for agent_restore() to undo. */
bool agent_holds(const struct agent *a);

/*
 * Fills @r from the guest's files and the last ack; @demand_milli is
 * capped at what the online CPUs allow. Returns 0 or -errno.
 */
int agent_report(const struct agent *a, uint32_t demand_milli,
		 struct vfold_report *r);

#endif
