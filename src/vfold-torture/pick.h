/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfold-torture's randomness and op scheduling, pure. One seed drives
 * everything: each thread draws from its own stream of it, so a thread's
 * sequence of choices replays with --seed whatever the others do (the
 * interleaving of threads does not replay).
 */
#ifndef TT_PICK_H
#define TT_PICK_H

#include <stdint.h>

#include "invariant.h"

struct tt_rng {
	uint64_t s;
};

/* Stream @stream of @seed. */
void tt_rng_init(struct tt_rng *r, uint64_t seed, uint64_t stream);
uint64_t tt_rng_next(struct tt_rng *r);
/* Uniform in 0..@n-1 (@n > 0). */
uint32_t tt_rng_below(struct tt_rng *r, uint32_t n);

/* An index of @w (weights, @n of them, not all 0) drawn by weight. */
unsigned int tt_pick_weighted(struct tt_rng *r, const unsigned int *w,
			      unsigned int n);

/* A CPU of @m (not empty) drawn uniformly; -1 if @m is empty. */
int tt_pick_cpu(struct tt_rng *r, tt_mask m);
/* A random subset of @m, every CPU with probability 1/2. */
tt_mask tt_pick_subset(struct tt_rng *r, tt_mask m);

/* The masks the mask stressor writes. */
enum tt_mask_kind {
	TT_MASK_RANDOM,		/* a random part, never every online CPU */
	TT_MASK_EMPTY,
	TT_MASK_FULL,		/* every online CPU: must be refused */
	TT_MASK_SINGLE,		/* one CPU marked */
	TT_MASK_ALL_BUT_ONE,	/* one CPU left unmarked */
	TT_MASK_KINDS
};

/*
 * A mask of @kind over @online, @sticky (a CPU set kept marked for a
 * phase, so that some marks last long enough to test the drain) added
 * unless the kind is EMPTY or FULL; of other kinds never every online
 * CPU (a CPU outside @sticky is left unmarked then).
 */
tt_mask tt_pick_mask(struct tt_rng *r, enum tt_mask_kind kind,
		     tt_mask online, tt_mask sticky);

/* The affinities the affinity stressor sets. */
enum tt_aff_kind {
	TT_AFF_RANDOM,		/* a random part of the possible CPUs */
	TT_AFF_SINGLE,		/* one online CPU */
	TT_AFF_MARKED,		/* only marked CPUs (all of them) */
	TT_AFF_UNMARKED,	/* only online unmarked CPUs */
	TT_AFF_ALL,		/* every possible CPU */
	TT_AFF_KINDS
};

/* An affinity of @kind; 0 when there is none of that kind now. */
tt_mask tt_pick_affinity(struct tt_rng *r, enum tt_aff_kind kind,
			 tt_mask possible, tt_mask online, tt_mask marked);

/*
 * When the op after one due at @due (ns) is due, at @period_ns: a fixed
 * rate that does not drift, and that after a stall restarts from @now
 * instead of catching up in a burst.
 */
uint64_t tt_next_due(uint64_t due, uint64_t period_ns, uint64_t now);

#endif
