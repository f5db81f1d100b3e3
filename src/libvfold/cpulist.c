// SPDX-License-Identifier: GPL-2.0
/*
 * CPU sets as bitmaps and their cpulist text form (the kernel's
 * bitmap_parselist()/"%*pbl" syntax, which util-linux shares).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpulist.h"

void vfold_cpuset_zero(struct vfold_cpuset *set)
{
	memset(set, 0, sizeof(*set));
}

void vfold_cpuset_set(struct vfold_cpuset *set, unsigned int cpu)
{
	if (cpu < VFOLD_CPUS_MAX)
		set->bits[cpu / VFOLD_LONG_BITS] |= 1UL << (cpu % VFOLD_LONG_BITS);
}

void vfold_cpuset_clear(struct vfold_cpuset *set, unsigned int cpu)
{
	if (cpu < VFOLD_CPUS_MAX)
		set->bits[cpu / VFOLD_LONG_BITS] &=
			~(1UL << (cpu % VFOLD_LONG_BITS));
}

bool vfold_cpuset_test(const struct vfold_cpuset *set, unsigned int cpu)
{
	return cpu < VFOLD_CPUS_MAX &&
	       (set->bits[cpu / VFOLD_LONG_BITS] >> (cpu % VFOLD_LONG_BITS)) & 1;
}

unsigned int vfold_cpuset_count(const struct vfold_cpuset *set)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		n += (unsigned int)__builtin_popcountl(set->bits[i]);
	return n;
}

void vfold_cpuset_andnot(struct vfold_cpuset *dst,
			 const struct vfold_cpuset *a,
			 const struct vfold_cpuset *b)
{
	size_t i;

	for (i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

/*
 * Reads a decimal number at *@s, advancing it. Stops counting digits
 * once the value is out of range, so a long number cannot overflow.
 */
static int parse_num(const char **s, unsigned int *v)
{
	const char *p = *s;
	unsigned long x = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (x < VFOLD_CPUS_MAX)
			x = x * 10 + (unsigned long)(*p - '0');
	*s = p;
	if (x >= VFOLD_CPUS_MAX)
		return -ERANGE;
	*v = (unsigned int)x;
	return 0;
}

/* One item "N", "N-M" or "N-M:S" at *@s, added to @set. */
static int parse_item(const char **s, struct vfold_cpuset *set)
{
	unsigned int first, last, stride = 1, cpu;
	int ret;

	ret = parse_num(s, &first);
	if (ret)
		return ret;
	last = first;
	if (**s == '-') {
		(*s)++;
		ret = parse_num(s, &last);
		if (ret)
			return ret;
		if (last < first)
			return -EINVAL;
		if (**s == ':') {
			(*s)++;
			/* A stride is no CPU number: any size but 0 will do. */
			ret = parse_num(s, &stride);
			if (ret == -ERANGE)
				stride = VFOLD_CPUS_MAX;
			else if (ret)
				return ret;
			if (!stride)
				return -EINVAL;
		}
	}
	for (cpu = first; cpu <= last; cpu += stride)
		vfold_cpuset_set(set, cpu);
	return 0;
}

int vfold_cpulist_parse(const char *s, struct vfold_cpuset *set)
{
	struct vfold_cpuset tmp;
	int ret;

	vfold_cpuset_zero(&tmp);
	while (*s) {
		ret = parse_item(&s, &tmp);
		if (ret)
			return ret;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -EINVAL;	/* junk, or a trailing comma */
	}
	*set = tmp;
	return 0;
}

int vfold_cpulist_format(const struct vfold_cpuset *set, char *buf,
			 size_t len)
{
	unsigned int cpu = 0, last;
	size_t off = 0;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	while (cpu < VFOLD_CPUS_MAX) {
		if (!vfold_cpuset_test(set, cpu)) {
			cpu++;
			continue;
		}
		for (last = cpu; vfold_cpuset_test(set, last + 1); last++)
			;
		if (last == cpu)
			n = snprintf(buf + off, len - off, "%s%u",
				     off ? "," : "", cpu);
		else
			n = snprintf(buf + off, len - off, "%s%u-%u",
				     off ? "," : "", cpu, last);
		if (n < 0 || (size_t)n >= len - off) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		off += (size_t)n;
		cpu = last + 1;
	}
	return (int)off;
}
