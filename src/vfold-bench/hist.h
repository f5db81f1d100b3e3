/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-linear histogram of nanoseconds: values below 2^HIST_SUB_BITS
 * each have a bucket, and every power of two above is split into
 * 2^HIST_SUB_BITS equal buckets, so a bucket is at most 1/128 (0.8 %) of
 * its values wide. Its size is fixed (28 KiB), whatever the run's length.
 */
#ifndef VFOLD_BENCH_HIST_H
#define VFOLD_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)
/* Values from 2^HIST_TOP_BITS ns (17.2 s) on share the last bucket. */
#define HIST_TOP_BITS	34
#define HIST_BUCKETS	((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t min, max;	/* exact; min is UINT64_MAX while empty */
	uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct hist *h);

/* The bucket of @v: the last one for values beyond the top. */
unsigned int hist_index(uint64_t v);

/* The smallest and the largest value of bucket @i (UINT64_MAX: the last). */
uint64_t hist_lower(unsigned int i);
uint64_t hist_upper(unsigned int i);

void hist_add(struct hist *h, uint64_t v);

/* Adds the values of @src to @dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * The value that @pct percent (0..100) of the values are at most: the
 * middle of its bucket, within the exact min and max (so 100 gives the
 * max), or the max if that is the last bucket. 0 for an empty histogram.
 */
uint64_t hist_percentile(const struct hist *h, double pct);

#endif
