/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfold-torture's shared state: the options, the record of what the test
 * itself did (affinities set, children started, the marks it wrote), the
 * counters, and the stressor and checker threads' entry points.
 *
 * Locks: topo_lock serializes everything that changes the affinity the
 * kernel must report (sched_setaffinity, CPU hotplug, cpuset partitions)
 * with the checkers that compare against it, so a check never sees a
 * change half done. mask_lock serializes the writers of marked_since[]
 * (the mask stressor, hotplug), published under mask_seq (odd while
 * changing) for the lock-free drain checker. census_lock guards the task
 * and child tables against the census.
 */
#ifndef TT_TORTURE_H
#define TT_TORTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "array_size.h"
#include "invariant.h"
#include "opts.h"
#include "pick.h"
#include "sysfs.h"

/* The operation kinds counted and reported. */
enum tt_op {
	TT_OP_MASK_RANDOM,
	TT_OP_MASK_EMPTY,
	TT_OP_MASK_FULL,
	TT_OP_MASK_SINGLE,
	TT_OP_MASK_ALL_BUT_ONE,
	TT_OP_GOV_MODE,
	TT_OP_GOV_KNOB,
	TT_OP_GOV_HINT,
	TT_OP_AFFINITY,
	TT_OP_HOTPLUG_OFF,
	TT_OP_HOTPLUG_ON,
	TT_OP_PARTITION_NEW,
	TT_OP_PARTITION_DEL,
	TT_OP_FORK,
	TT_OP_EXEC,
	TT_OP_THREAD,
	TT_OP_RT_RUN,
	TT_OP_DL_RUN,
	TT_OP_MIGDIS,
	TT_OP_STRESSNG,
	TT_OP_NR
};

struct tt_opcount {
	atomic_ulong ok;
	atomic_ulong expected;		/* refused as the ABI says it must be */
	atomic_ulong refused;		/* not tried: it would break the record */
	atomic_ulong unexpected;
	atomic_int last_errno;
	atomic_ullong ns;		/* time spent in the timed ones */
	atomic_ulong timed;
};

struct tt_invcount {
	atomic_ulong checks;
	atomic_ulong skipped;		/* sample raced with a change: discarded */
	atomic_ulong failures;
};

enum tt_class {
	TT_C_CFS,	/* spins */
	TT_C_SLEEP,	/* sleeps and wakes */
	TT_C_RT,	/* SCHED_FIFO, spins 1 ms in 5 */
	TT_C_DL,	/* SCHED_DEADLINE, 1 ms in 10 */
	TT_C_MIGDIS,	/* runs kernel paths under migrate_disable() */
	TT_C_NR
};

#define TT_TASKS_MAX	96
#define TT_CHILDREN_MAX	16
#define TT_PARTS_MAX	2

struct tt_task {
	pid_t tid;
	enum tt_class cls;
	/*
	 * Under topo_lock. The record: the affinity the kernel reported
	 * right after the test's own last sched_setaffinity() (its result,
	 * not the request), and the partitions then. The request is what
	 * the kernel keeps as the user's and reapplies when partitions
	 * change, so with other partitions the record is recomputed from it.
	 */
	tt_mask req;
	tt_mask rec;
	tt_mask rec_part;
	uint64_t rec_at;		/* when rec was set */
	atomic_ulong progress;
	uint64_t seen_progress;		/* census's, with when it moved */
	uint64_t seen_at;
	pthread_t thread;
	unsigned int index;
};

struct tt_partition {
	bool used;
	char dir[96];
	tt_mask cpus;
	pid_t child;
};

#define TT_JOINED_MAX	16

struct tt {
	struct tt_opts o;
	struct vfold_sysfs sys;
	atomic_bool stop;		/* stressors and checkers */
	atomic_bool stop_work;		/* the workload, after them */
	uint64_t start_ns;
	unsigned int nr_cpus;		/* possible */
	tt_mask possible;

	pthread_mutex_t topo_lock;
	tt_mask part;			/* CPUs of valid partitions */
	unsigned int part_notes;
	struct tt_partition parts[TT_PARTS_MAX];

	pthread_mutex_t mask_lock;
	atomic_uint mask_seq;
	atomic_ullong marked_since[TT_CPUS_MAX];
	atomic_ullong unmarked_since[TT_CPUS_MAX];
	uint64_t topo_at;		/* partitions or hotplug changed */
	tt_mask leaving;		/* under topo_lock: being hotplugged */
	atomic_bool hotplugging;
	tt_mask mask_seen;		/* under mask_lock */

	pthread_mutex_t census_lock;
	struct tt_task tasks[TT_TASKS_MAX];
	unsigned int nr_tasks;
	pid_t others[TT_TASKS_MAX];	/* the test's own threads */
	unsigned int nr_others;
	pid_t children[TT_CHILDREN_MAX];	/* 0: free slot */
	pid_t stressng;
	/*
	 * churn's last joined threads: pthread_join() returns once the
	 * exiting thread cleared its tid, which may be well before it
	 * leaves /proc (a dying thread is preempted like any other).
	 */
	pid_t joined[TT_JOINED_MAX];
	unsigned int joined_next;
	bool census_suspect;		/* the census's last pass differed */

	struct tt_opcount ops[TT_OP_NR];
	struct tt_invcount inv[TT_I_NR];
	pthread_mutex_t report_lock;
	unsigned int printed[TT_I_NR];	/* failure lines printed */
	struct tt_hist stays;		/* under report_lock */
	bool have_seccomp, have_tracefs;
};

uint64_t tt_now_ns(void);
void tt_sleep_until(uint64_t ns);
void tt_sleep_ms(unsigned int ms);
pid_t tt_gettid(void);

/* Counts an op's outcome: 0, an errno in @expected (0-terminated), else. */
void tt_count(struct tt *t, enum tt_op op, int err, const int *expected);
/* The same, and the op's time since @start_ns. */
void tt_count_timed(struct tt *t, enum tt_op op, int err,
		    const int *expected, uint64_t start_ns);
/* Counts a failure of @inv and prints why (the first few, or -v all). */
void tt_fail(struct tt *t, enum tt_inv inv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tt_note(struct tt *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Registers the calling thread as one of the test's own (census). */
void tt_register_self(struct tt *t);

/* The online and the paravirt CPUs as they are now. */
int tt_read_online(struct tt *t, tt_mask *m);
int tt_read_mask(struct tt *t, tt_mask *m);
/* marked_since[] from a mask just seen or written (under mask_lock). */
void tt_mask_observed(struct tt *t, tt_mask mask, bool rebase);
/* /proc/self/task/TID/stat's state and CPU. */
int tt_task_stat(pid_t tid, char *state, int *cpu);
int tt_set_affinity(pid_t tid, tt_mask m);
/* The affinity the kernel holds (/proc's Cpus_allowed_list). */
int tt_get_affinity(pid_t tid, tt_mask *m);
/*
 * sched_setaffinity() of @task to @m and, if it succeeded, the record
 * from what the kernel then holds, which must be what the model of
 * cpusets expects (an affinity_unchanged check). Under topo_lock.
 */
int tt_set_recorded(struct tt *t, struct tt_task *task, tt_mask m);
/* The affinity a task must have now (under topo_lock). */
tt_mask tt_task_expected(struct tt *t, const struct tt_task *task,
			 tt_mask online);

/*
 * Partitions @part would leave some workload thread no CPU of @usable
 * (online, less any going down): the kernel would then rewrite its
 * affinity itself (select_fallback_rq()) or fail to apply the cpuset's
 * change, neither of which the record can tell from a bug. Under
 * topo_lock.
 */
bool tt_strands(struct tt *t, tt_mask part, tt_mask usable);

/* The census's record of children: -ENOSPC when full. */
int tt_add_child(struct tt *t, pid_t pid);
void tt_forget_child(struct tt *t, pid_t pid);

/* Workload threads (workload.c). */
int tt_workload_start(struct tt *t);
void tt_workload_join(struct tt *t);

/* Stressors: one thread each, running until t->stop. */
void *tt_stress_mask(void *arg);
void *tt_stress_affinity(void *arg);
void *tt_stress_hotplug(void *arg);
void *tt_stress_cpuset(void *arg);
void *tt_stress_churn(void *arg);
/* stress-ng as a child process; stop waits for it. */
int tt_stressng_start(struct tt *t);
void tt_stressng_stop(struct tt *t);
/* The governor's defaults back, the mask cleared. */
void tt_restore_governor(struct tt *t);
/* Every CPU back online. */
void tt_restore_cpus(struct tt *t);
int tt_cpuset_setup(struct tt *t);
void tt_cpuset_cleanup(struct tt *t);

/* Checkers: one thread each. */
void *tt_check_affinity(void *arg);
void *tt_check_drain(void *arg);
void *tt_check_census(void *arg);
void *tt_check_mask(void *arg);
void *tt_check_kmsg(void *arg);

#endif
