// SPDX-License-Identifier: GPL-2.0
/* vfold-torture's invariants, pure; see invariant.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "invariant.h"

tt_mask tt_expected_affinity(tt_mask rec, tt_mask part, tt_mask possible,
			     tt_mask online)
{
	tt_mask allowed = possible & ~part;

	if (!(allowed & online))
		allowed = possible;
	return (rec & allowed) ? rec & allowed : allowed;
}

int tt_parse_status_cpus(const char *buf, tt_mask *m)
{
	static const char key[] = "\nCpus_allowed_list:";
	const char *p = strstr(buf, key);
	char list[512];
	size_t n;

	if (!p)
		return -EINVAL;
	p += sizeof(key) - 1;
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	if (!n || n >= sizeof(list))
		return -EINVAL;
	memcpy(list, p, n);
	list[n] = '\0';
	return tt_mask_parse(list, m) ? -EINVAL : 0;
}

enum tt_aff_verdict tt_affinity_verdict(tt_mask got, tt_mask expected,
					tt_mask online)
{
	if (got == expected)
		return TT_AFF_SAME;
	if (!(expected & online) && (got & expected) == expected &&
	    (got & online))
		return TT_AFF_FALLBACK;
	return TT_AFF_CHANGED;
}

bool tt_runs_outside(char state, int cpu, tt_mask expected)
{
	if (state != 'R' || cpu < 0 || cpu >= TT_CPUS_MAX)
		return false;
	return !(expected & tt_bit(cpu));
}

uint64_t tt_drain_start(uint64_t marked_since, const uint64_t *unmarked_since,
			tt_mask free, uint64_t other)
{
	uint64_t start = marked_since, first = UINT64_MAX;
	unsigned int cpu;

	if (!marked_since || !free)
		return 0;
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++) {
		if (!(free & tt_bit(cpu)))
			continue;
		/* Unmarked since an unknown time: as if just now. */
		if (!unmarked_since[cpu])
			return 0;
		if (unmarked_since[cpu] < first)
			first = unmarked_since[cpu];
	}
	if (first > start)
		start = first;
	return other > start ? other : start;
}

bool tt_drain_overdue(char state, int cpu, tt_mask mask, tt_mask online,
		      tt_mask expected, uint64_t start_ns, uint64_t now_ns,
		      uint64_t bound_ns)
{
	if (state != 'R' || cpu < 0 || cpu >= TT_CPUS_MAX)
		return false;
	if (!(mask & tt_bit(cpu)) || !start_ns)
		return false;
	if (!(expected & online & ~mask))
		return false;
	return now_ns > start_ns && now_ns - start_ns > bound_ns;
}

const char *tt_mask_broken(tt_mask mask, tt_mask online)
{
	if (online && (mask & online) == online)
		return "the mask covers every online CPU";
	if (mask & ~online)
		return "an offline CPU is marked";
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

unsigned int tt_census_diff(pid_t *want, size_t nwant, pid_t *have,
			    size_t nhave, pid_t *lost, pid_t *extra)
{
	unsigned int diff = 0;
	size_t i = 0, j = 0;

	if (nwant)
		qsort(want, nwant, sizeof(*want), cmp_pid);
	if (nhave)
		qsort(have, nhave, sizeof(*have), cmp_pid);
	*lost = 0;
	*extra = 0;
	while (i < nwant || j < nhave) {
		if (j == nhave || (i < nwant && want[i] < have[j])) {
			if (!*lost)
				*lost = want[i];
			diff++;
			i++;
		} else if (i == nwant || have[j] < want[i]) {
			if (!*extra)
				*extra = have[j];
			diff++;
			j++;
		} else {
			i++;
			j++;
		}
	}
	return diff;
}

int tt_parse_stat(const char *buf, char *state, int *cpu)
{
	const char *p = strrchr(buf, ')');
	char *end;
	long v;
	int field;

	/* "PID (COMM) S ...": field 3 follows the last ")". */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EINVAL;
	*state = p[2];
	p += 3;
	for (field = 3; field < 38; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	errno = 0;
	v = strtol(p + 1, &end, 10);
	if (errno || end == p + 1 || (*end != ' ' && *end != '\n' && *end) ||
	    v < 0 || v >= TT_CPUS_MAX)
		return -EINVAL;
	*cpu = (int)v;
	return 0;
}

/* scripts/console-badness.sh's patterns, one extended regex. */
static const char splat_re[] =
	"WARNING:|BUG:|kernel BUG at|Oops:|Kernel panic|Call Trace:|"
	"general protection fault|invalid opcode:|Unable to handle kernel|"
	"possible recursive locking|possible circular locking dependency|"
	"inconsistent lock state|possible irq lock inversion|"
	"suspicious RCU usage|DEBUG_LOCKS_WARN_ON|"
	"sleeping function called from invalid context|scheduling while atomic|"
	"detected stalls on CPUs/tasks|self-detected stall|"
	"rcu_.*kthread starved for|soft lockup|hard LOCKUP|"
	"blocked for more than [0-9]+ seconds|UBSAN:|KASAN:|KCSAN:|"
	"list_(add|del) corruption";

int tt_splat_init(struct tt_splat *s)
{
	s->ready = !regcomp(&s->re, splat_re, REG_EXTENDED | REG_NOSUB);
	return s->ready ? 0 : -EINVAL;
}

void tt_splat_free(struct tt_splat *s)
{
	if (s->ready)
		regfree(&s->re);
	s->ready = false;
}

bool tt_splat_match(const struct tt_splat *s, const char *msg)
{
	return s->ready && !regexec(&s->re, msg, 0, NULL, 0);
}

void tt_hist_add(struct tt_hist *h, uint64_t us)
{
	unsigned int b = 0;

	while (b < TT_HIST_BUCKETS - 1 && us >= (uint64_t)1 << (b + 1))
		b++;
	h->bucket[b]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

uint64_t tt_hist_quantile(const struct tt_hist *h, unsigned int permille)
{
	uint64_t want, seen = 0;
	unsigned int b;

	if (!h->n)
		return 0;
	want = (h->n * permille + 999) / 1000;
	for (b = 0; b < TT_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= want && seen)
			break;
	}
	if (b >= TT_HIST_BUCKETS - 1)
		return h->max_us;
	/* The bucket's edge, but never above what was seen. */
	return ((uint64_t)1 << (b + 1)) < h->max_us ?
		((uint64_t)1 << (b + 1)) : h->max_us;
}

void tt_mask_format(tt_mask m, char *buf, size_t len)
{
	struct vfold_cpuset set;
	unsigned int cpu;

	vfold_cpuset_zero(&set);
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++)
		if (m & tt_bit(cpu))
			vfold_cpuset_set(&set, cpu);
	if (vfold_cpulist_format(&set, buf, len) < 0 && len)
		buf[0] = '\0';
}

int tt_mask_parse(const char *s, tt_mask *m)
{
	struct vfold_cpuset set;
	unsigned int cpu;
	tt_mask v = 0;
	int err;

	err = vfold_cpulist_parse(s, &set);
	if (err)
		return err;
	for (cpu = 0; cpu < VFOLD_CPUS_MAX; cpu++) {
		if (!vfold_cpuset_test(&set, cpu))
			continue;
		if (cpu >= TT_CPUS_MAX)
			return -ERANGE;
		v |= tt_bit(cpu);
	}
	*m = v;
	return 0;
}
