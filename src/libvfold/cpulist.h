/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU sets and the kernel's cpulist text form, as in
 * /sys/devices/system/cpu/{online,paravirt}: "0-3,6", "" for none.
 */
#ifndef VFOLD_CPULIST_H
#define VFOLD_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"	/* VFOLD_CPUS_MAX */

#define VFOLD_LONG_BITS		(8 * sizeof(unsigned long))

struct vfold_cpuset {
	unsigned long bits[VFOLD_CPUS_MAX / (8 * sizeof(unsigned long))];
};

void vfold_cpuset_zero(struct vfold_cpuset *set);
void vfold_cpuset_set(struct vfold_cpuset *set, unsigned int cpu);
void vfold_cpuset_clear(struct vfold_cpuset *set, unsigned int cpu);
bool vfold_cpuset_test(const struct vfold_cpuset *set, unsigned int cpu);
unsigned int vfold_cpuset_count(const struct vfold_cpuset *set);
/* @dst = @a & ~@b: e.g. online CPUs not marked paravirt. */
void vfold_cpuset_andnot(struct vfold_cpuset *dst,
			 const struct vfold_cpuset *a,
			 const struct vfold_cpuset *b);

/*
 * Parses a cpulist: "" or comma-separated items, each "N", "N-M" or
 * "N-M:S" (every S-th CPU from N to M, S >= 1), decimal, no blanks.
 * Returns 0, -EINVAL for bad syntax (junk, a reversed range, an empty
 * item or a trailing comma, a stride of 0) or -ERANGE for a CPU number
 * of VFOLD_CPUS_MAX or more. @set is written only on success.
 */
int vfold_cpulist_parse(const char *s, struct vfold_cpuset *set);

/*
 * Writes @set as a cpulist, runs as "N-M" (no strides), into @buf.
 * Returns its length, or -ENOSPC if it does not fit with its NUL.
 */
int vfold_cpulist_format(const struct vfold_cpuset *set, char *buf,
			 size_t len);

#endif
