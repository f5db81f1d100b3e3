// SPDX-License-Identifier: GPL-2.0
/*
 * The mask stressor: writes the paravirt mask at --mask-hz (random masks,
 * empty and full edges, one CPU marked, one left), and interleaves
 * governor phases: a mode switched on for 0.3-1 s (while it is on, mask
 * writes must fail with EBUSY), knobs written with values in and out of
 * range, and storms of hints. In a sticky phase one CPU stays in every
 * mask for a while, so that some marks last long enough for the drain
 * check. Each op keeps marked_since[] for the drain checker: from the
 * mask written, or, while a governor mode sets it, from the mask read
 * back (rebased whenever the governor changed it more than once since
 * the last look).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "torture.h"

static const char *const modes[] = { "steal", "hint", "smt" };

struct knob {
	const char *file;
	unsigned int lo, hi;		/* values tried: in range and out */
};

static const struct knob knobs[] = {
	{ "interval_ms", 0, 400 },
	{ "hint_ttl_ms", 500, 20000 },
	{ "min_cpus", 0, 9 },
	{ "entitled_cpus", 0, 9 },
	{ "steal_high_permille", 0, 200 },
	{ "steal_low_permille", 0, 100 },
	{ "smt_low_permille", 0, 1001 },
	{ "smt_high_permille", 0, 1001 },
};

/* The defaults the ABI documents, written back at the end. */
static const struct {
	const char *file, *val;
} defaults[] = {
	{ "mode", "off" },
	{ "interval_ms", "100" },
	{ "hint_ttl_ms", "10000" },
	{ "min_cpus", "1" },
	{ "entitled_cpus", "0" },
	{ "steal_low_permille", "20" },
	{ "steal_high_permille", "50" },
	{ "smt_low_permille", "500" },
	{ "smt_high_permille", "800" },
	{ "steal_low_permille", "20" },
	{ "smt_low_permille", "500" },
};

struct mask_state {
	struct tt *t;
	struct tt_rng r;
	bool gov_on;
	bool hint_mode;
	uint64_t gov_until;
	uint64_t gov_changes;
	tt_mask sticky;
	uint64_t sticky_until;
};

static const int busy_inval[] = { EBUSY, EINVAL, 0 };
static const int inval[] = { EINVAL, 0 };

static void gov_observe(struct mask_state *s)
{
	struct tt *t = s->t;
	uint64_t changes = 0;
	tt_mask mask;

	if (tt_read_mask(t, &mask))
		return;
	vfold_gov_read_u64(&t->sys, "mask_changes", &changes);
	pthread_mutex_lock(&t->mask_lock);
	/* More than one change unseen: when a CPU got marked is unknown. */
	tt_mask_observed(t, mask, changes > s->gov_changes + 1);
	pthread_mutex_unlock(&t->mask_lock);
	s->gov_changes = changes;
}

static void write_mask(struct mask_state *s, enum tt_mask_kind kind)
{
	static const enum tt_op op[TT_MASK_KINDS] = {
		TT_OP_MASK_RANDOM, TT_OP_MASK_EMPTY, TT_OP_MASK_FULL,
		TT_OP_MASK_SINGLE, TT_OP_MASK_ALL_BUT_ONE,
	};
	struct tt *t = s->t;
	char buf[512];
	tt_mask online, m, cur;
	uint64_t start;
	int err;

	/*
	 * The full mask under topo_lock: a CPU coming online between the
	 * read and the write would make it a legal one.
	 */
	if (kind == TT_MASK_FULL) {
		pthread_mutex_lock(&t->topo_lock);
		/* Mid-hotplug the online list itself is in flux: no verdict. */
		if (atomic_load(&t->hotplugging)) {
			pthread_mutex_unlock(&t->topo_lock);
			atomic_fetch_add(&t->ops[TT_OP_MASK_FULL].refused, 1);
			return;
		}
	}
	if (tt_read_online(t, &online)) {
		if (kind == TT_MASK_FULL)
			pthread_mutex_unlock(&t->topo_lock);
		return;
	}
	m = tt_pick_mask(&s->r, kind, online, s->sticky);
	tt_mask_format(m, buf, sizeof(buf));
	pthread_mutex_lock(&t->mask_lock);
	/* Changed by someone else (a hotplug cleared marks): marks are new. */
	if (!s->gov_on && !tt_read_mask(t, &cur) && cur != t->mask_seen)
		tt_mask_observed(t, cur, true);
	start = tt_now_ns();
	err = vfold_sysfs_write(&t->sys, VFOLD_CPU_DIR "/paravirt",
				m ? buf : "\n");
	if (!err)
		tt_mask_observed(t, m, false);
	pthread_mutex_unlock(&t->mask_lock);
	if (kind == TT_MASK_FULL) {
		pthread_mutex_unlock(&t->topo_lock);
		if (!err)
			tt_fail(t, TT_I_MASK,
				"a mask of every online CPU (%s) was accepted",
				buf);
	}
	/* EINVAL: a CPU went offline since online was read. */
	tt_count_timed(t, op[kind], err, s->gov_on ? busy_inval : inval, start);
}

static void set_mode(struct mask_state *s, const char *mode)
{
	struct tt *t = s->t;
	int err;

	pthread_mutex_lock(&t->mask_lock);
	err = vfold_gov_write(&t->sys, "mode", mode);
	pthread_mutex_unlock(&t->mask_lock);
	tt_count(t, TT_OP_GOV_MODE, err, NULL);
	if (err)
		return;
	s->gov_on = strcmp(mode, "off") != 0;
	s->hint_mode = !strcmp(mode, "hint");
	vfold_gov_read_u64(&t->sys, "mask_changes", &s->gov_changes);
	gov_observe(s);
}

static void write_knob(struct mask_state *s)
{
	const struct knob *k = &knobs[tt_rng_below(&s->r, ARRAY_SIZE(knobs))];
	unsigned int v = k->lo + tt_rng_below(&s->r, k->hi - k->lo + 1);
	int err;

	err = vfold_gov_write_u32(&s->t->sys, k->file, v);
	tt_count(s->t, TT_OP_GOV_KNOB, err, inval);
}

static void hint_storm(struct mask_state *s)
{
	unsigned int n = s->hint_mode ? 5 + tt_rng_below(&s->r, 16) : 1;
	int err;

	while (n--) {
		err = vfold_gov_write_u32(&s->t->sys, "hint",
					  tt_rng_below(&s->r,
						       s->t->nr_cpus + 2));
		tt_count(s->t, TT_OP_GOV_HINT, err, inval);
	}
}

static void one_op(struct mask_state *s, uint64_t now)
{
	/* Weights of: mask kinds..., mode, knob, hint. */
	static const unsigned int w[] = { 50, 8, 4, 8, 8, 1, 4, 6 };
	struct tt *t = s->t;
	unsigned int k;
	tt_mask online;

	if (now >= s->sticky_until) {
		s->sticky = 0;
		if (!tt_rng_below(&s->r, 2) && !tt_read_online(t, &online))
			s->sticky = tt_bit(tt_pick_cpu(&s->r, online));
		s->sticky_until = now + 500000000ULL +
				  tt_rng_below(&s->r, 1000) * 1000000ULL;
	}
	if (s->gov_on && now >= s->gov_until)
		set_mode(s, "off");
	else if (s->gov_on)
		gov_observe(s);
	k = t->o.skip[TT_S_GOVERNOR] ? tt_pick_weighted(&s->r, w, 5) :
		tt_pick_weighted(&s->r, w, ARRAY_SIZE(w));
	if (t->o.skip[TT_S_MASK] && k < TT_MASK_KINDS)
		k = TT_MASK_KINDS + 2;
	if (k < TT_MASK_KINDS) {
		write_mask(s, (enum tt_mask_kind)k);
	} else if (k == TT_MASK_KINDS) {
		if (!s->gov_on) {
			set_mode(s, modes[tt_rng_below(&s->r,
						       ARRAY_SIZE(modes))]);
			s->gov_until = now + 200000000ULL +
				       tt_rng_below(&s->r, 400) * 1000000ULL;
		}
	} else if (k == TT_MASK_KINDS + 1) {
		write_knob(s);
	} else {
		hint_storm(s);
	}
}

void *tt_stress_mask(void *arg)
{
	struct mask_state s = { .t = arg };
	struct tt *t = s.t;
	uint64_t period = 1000000000ULL / t->o.mask_hz, due = tt_now_ns();

	tt_register_self(t);
	tt_rng_init(&s.r, t->o.seed, 1);
	while (!atomic_load(&t->stop)) {
		one_op(&s, tt_now_ns());
		due = tt_next_due(due, period, tt_now_ns());
		tt_sleep_until(due);
	}
	return NULL;
}

void tt_restore_governor(struct tt *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		vfold_gov_write(&t->sys, defaults[i].file, defaults[i].val);
	vfold_sysfs_write(&t->sys, VFOLD_CPU_DIR "/paravirt", "\n");
}
