/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfold-torture's invariants as pure functions of what was sampled, so
 * that each verdict is unit-tested apart from the kernel (and a broken
 * input is shown to fire it). CPU sets are bit masks of CPUs 0..63.
 */
#ifndef TT_INVARIANT_H
#define TT_INVARIANT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TT_CPUS_MAX	64

typedef uint64_t tt_mask;

static inline tt_mask tt_bit(unsigned int cpu)
{
	return (tt_mask)1 << cpu;
}

/*
 * The affinity the kernel must report for a task of the root cpuset whose
 * last successful sched_setaffinity() asked for @rec, while partitions
 * hold @part: root's tasks may use every possible CPU outside partitions
 * (all possible ones if none of those is online), and the kernel keeps
 * the user's request within that, or the whole of it when they do not
 * overlap (cpuset_cpus_allowed(), update_tasks_cpumask()).
 */
tt_mask tt_expected_affinity(tt_mask rec, tt_mask part, tt_mask possible,
			     tt_mask online);

/*
 * The affinity the kernel holds for a task: /proc/PID/task/TID/status's
 * Cpus_allowed_list (the task's cpus_mask). Not sched_getaffinity(),
 * which reports that mask and cpu_active_mask, so that it drops a CPU
 * while it is offline or going down although nothing changed the
 * affinity. Returns 0, or -EINVAL without the line.
 */
int tt_parse_status_cpus(const char *buf, tt_mask *m);

enum tt_aff_verdict {
	TT_AFF_SAME,		/* the record holds */
	TT_AFF_FALLBACK,	/* widened by select_fallback_rq(), allowed */
	TT_AFF_CHANGED,		/* anything else: a failure */
};

/*
 * Judges the affinity the kernel holds (@got) against the one the record
 * expects (@expected). The only change allowed is the kernel's last
 * resort when no CPU of the affinity is online (@online, less any CPU
 * going down): select_fallback_rq() widens it to the cpuset's CPUs or
 * every possible one, a strict superset with an online CPU. Marking,
 * unmarking, the push and the governor never change it.
 */
enum tt_aff_verdict tt_affinity_verdict(tt_mask got, tt_mask expected,
					tt_mask online);

/* A running task's CPU is outside the affinity it must have. */
bool tt_runs_outside(char state, int cpu, tt_mask expected);

/*
 * Since when a task on a marked CPU has had to leave it: the latest of
 * the CPU's mark (@marked_since, 0: not known marked), the moment one of
 * the CPUs it could go to (@free) became unmarked and stayed so (the
 * earliest of their @unmarked_since), and @other (its affinity or the
 * partitions changed). 0 if it need not leave.
 */
uint64_t tt_drain_start(uint64_t marked_since, const uint64_t *unmarked_since,
			tt_mask free, uint64_t other);

/*
 * A movable task that has stayed too long: it runs (@state 'R') on @cpu,
 * marked in @mask, longer than @bound_ns at @now_ns since @start_ns
 * (tt_drain_start(); 0: unknown), while its @expected affinity has an
 * online CPU that is not marked.
 */
bool tt_drain_overdue(char state, int cpu, tt_mask mask, tt_mask online,
		      tt_mask expected, uint64_t start_ns, uint64_t now_ns,
		      uint64_t bound_ns);

/*
 * The mask's own invariants: it never covers every online CPU, and a
 * CPU that is not online carries no mark. Returns NULL when they hold,
 * else which one broke.
 */
const char *tt_mask_broken(tt_mask mask, tt_mask online);

/*
 * Compares the tasks that exist (@have, @nhave) with the record (@want,
 * @nwant), both sorted here. The first missing one goes to @lost and the
 * first unrecorded one to @extra (0 if none). Returns how many differ.
 */
unsigned int tt_census_diff(pid_t *want, size_t nwant, pid_t *have,
			    size_t nhave, pid_t *lost, pid_t *extra);

/*
 * /proc/PID/task/TID/stat: the state (field 3) and the CPU last run on
 * (field 39), after the command name, which may hold blanks and ")".
 * Returns 0 or -EINVAL.
 */
int tt_parse_stat(const char *buf, char *state, int *cpu);

/* The kernel's words for trouble, as scripts/console-badness.sh knows them. */
struct tt_splat {
	regex_t re;
	bool ready;
};

int tt_splat_init(struct tt_splat *s);
void tt_splat_free(struct tt_splat *s);
/* A kernel message (without its /dev/kmsg header) that is a splat. */
bool tt_splat_match(const struct tt_splat *s, const char *msg);

/* Observed stays on marked CPUs: a log2 histogram of milliseconds. */
#define TT_HIST_BUCKETS	24

struct tt_hist {
	uint64_t n;
	uint64_t max_us;
	uint64_t bucket[TT_HIST_BUCKETS];
};

void tt_hist_add(struct tt_hist *h, uint64_t us);
/* The upper edge (us) of the bucket holding the @permille-th value. */
uint64_t tt_hist_quantile(const struct tt_hist *h, unsigned int permille);

/* "0-3,6" from @m into @buf; "" when empty. */
void tt_mask_format(tt_mask m, char *buf, size_t len);
/* Parses a cpulist into @m; -EINVAL, or -ERANGE for a CPU of 64 or more. */
int tt_mask_parse(const char *s, tt_mask *m);

#endif
