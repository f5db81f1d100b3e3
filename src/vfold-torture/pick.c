// SPDX-License-Identifier: GPL-2.0
/* vfold-torture's randomness and op scheduling; see pick.h. */
#include "pick.h"

/* splitmix64: tiny, and any seed (0 too) gives a good stream. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tt_rng_init(struct tt_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = stream;

	r->s = seed ^ splitmix(&x);
}

uint64_t tt_rng_next(struct tt_rng *r)
{
	return splitmix(&r->s);
}

uint32_t tt_rng_below(struct tt_rng *r, uint32_t n)
{
	/* 64 random bits for a 32-bit range: the bias is below 2^-32. */
	return (uint32_t)(tt_rng_next(r) % n);
}

unsigned int tt_pick_weighted(struct tt_rng *r, const unsigned int *w,
			      unsigned int n)
{
	uint32_t total = 0, x;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += w[i];
	if (!total)
		return 0;
	x = tt_rng_below(r, total);
	for (i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

int tt_pick_cpu(struct tt_rng *r, tt_mask m)
{
	uint32_t k;
	int cpu;

	if (!m)
		return -1;
	k = tt_rng_below(r, (uint32_t)__builtin_popcountll(m));
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++)
		if ((m & tt_bit(cpu)) && !k--)
			return cpu;
	return -1;
}

tt_mask tt_pick_subset(struct tt_rng *r, tt_mask m)
{
	return m & tt_rng_next(r);
}

tt_mask tt_pick_mask(struct tt_rng *r, enum tt_mask_kind kind,
		     tt_mask online, tt_mask sticky)
{
	tt_mask m;

	if (!online)
		return 0;
	switch (kind) {
	case TT_MASK_EMPTY:
		return 0;
	case TT_MASK_FULL:
		return online;
	case TT_MASK_SINGLE:
		m = tt_bit(tt_pick_cpu(r, online));
		break;
	case TT_MASK_ALL_BUT_ONE:
		m = online & ~tt_bit(tt_pick_cpu(r, online));
		break;
	default:
		m = tt_pick_subset(r, online);
		break;
	}
	m |= sticky & online;
	/* Never full: free a CPU, one outside the sticky set if there is. */
	if (m == online)
		m &= ~tt_bit(tt_pick_cpu(r, (online & ~sticky) ?
					 online & ~sticky : online));
	return m;
}

tt_mask tt_pick_affinity(struct tt_rng *r, enum tt_aff_kind kind,
			 tt_mask possible, tt_mask online, tt_mask marked)
{
	tt_mask m;

	switch (kind) {
	case TT_AFF_SINGLE:
		return online ? tt_bit(tt_pick_cpu(r, online)) : 0;
	case TT_AFF_MARKED:
		return marked & online;
	case TT_AFF_UNMARKED:
		return online & ~marked;
	case TT_AFF_ALL:
		return possible;
	default:
		m = tt_pick_subset(r, possible);
		return m ? m : tt_bit(tt_pick_cpu(r, possible));
	}
}

uint64_t tt_next_due(uint64_t due, uint64_t period_ns, uint64_t now)
{
	due += period_ns;
	return due + period_ns < now ? now : due;
}
