// SPDX-License-Identifier: GPL-2.0
/* Log-linear histogram; see hist.h. */
#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/*
 * Group 0 holds 0 .. HIST_SUB - 1 one value a bucket; group g >= 1 holds
 * [2^(g + SUB_BITS - 1), 2^(g + SUB_BITS)) in HIST_SUB buckets of
 * 2^(g - 1) values each.
 */
unsigned int hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < HIST_SUB)
		return (unsigned int)v;
	if (v >> HIST_TOP_BITS)
		return HIST_BUCKETS - 1;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (unsigned int)(v >> shift) - HIST_SUB;
}

uint64_t hist_lower(unsigned int i)
{
	unsigned int g = i / HIST_SUB, s = i % HIST_SUB;

	if (!g)
		return s;
	return (uint64_t)(HIST_SUB + s) << (g - 1);
}

uint64_t hist_upper(unsigned int i)
{
	if (i >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	return hist_lower(i + 1) - 1;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->bucket[hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned int i;
	double r;

	if (!h->count)
		return 0;
	/* The nearest rank, in 1 .. count: the first value at or above pct. */
	r = pct / 100 * (double)h->count;
	if (r <= 1)
		rank = 1;
	else if (r >= (double)h->count)
		rank = h->count;
	else
		rank = (uint64_t)r + ((double)(uint64_t)r < r);
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	/* Past the top, the max is the one value known. */
	if (i >= HIST_BUCKETS - 1)
		return h->max;
	lo = hist_lower(i);
	hi = hist_upper(i);
	mid = lo + (hi - lo) / 2;
	if (mid < h->min)
		return h->min;
	if (mid > h->max)
		return h->max;
	return mid;
}
