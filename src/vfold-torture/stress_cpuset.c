// SPDX-License-Identifier: GPL-2.0
/*
 * The cpuset stressor: cgroup v2 partitions ("root" or "isolated") of one
 * or two online CPUs, each with a sleeping child in it, created and
 * destroyed twice a second, at most two at a time. A partition takes its
 * CPUs from every task of the root cpuset, the workload included: the
 * affinity the record expects follows what the partitions hold as the
 * kernel reports them (a partition may come out invalid; then it holds
 * nothing), read back after each change under topo_lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "torture.h"

#define CGROOT		"/sys/fs/cgroup"
#define CPUSET_HZ	2
/* The root's partition CPUs, shown only with cgroup_debug. */
#define SUBPARTS	".__DEBUG__.cpuset.cpus.subpartitions"

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return vfold_sysfs_write(&(struct vfold_sysfs){ .root = "" }, path,
				 val);
}

static int cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return vfold_read_file(path, buf, len, true);
}

int tt_cpuset_setup(struct tt *t)
{
	(void)t;
	return cg_write(CGROOT, "cgroup.subtree_control", "+cpuset");
}

/*
 * t->part from the partitions as the kernel holds them now: the root's
 * subpartition CPUs where the kernel shows them (the debug file, with
 * cgroup_debug on the command line), else what the partitions say of
 * themselves. Where both exist, a difference is noted.
 */
static void refresh_part(struct tt *t)
{
	char buf[256], states[512];
	tt_mask m, mine = 0, kernel;
	unsigned int i;
	size_t len = 0;

	t->topo_at = tt_now_ns();
	states[0] = '\0';
	for (i = 0; i < TT_PARTS_MAX; i++) {
		struct tt_partition *p = &t->parts[i];

		if (!p->used || cg_read(p->dir, "cpuset.cpus.partition", buf,
					sizeof(buf)) < 0)
			continue;
		len += (size_t)snprintf(states + len, sizeof(states) - len,
					" [%s]", buf);
		if (len >= sizeof(states))
			len = sizeof(states) - 1;
		if (strcmp(buf, "root") && strcmp(buf, "isolated"))
			continue;
		if (cg_read(p->dir, "cpuset.cpus.exclusive.effective", buf,
			    sizeof(buf)) < 0 &&
		    cg_read(p->dir, "cpuset.cpus.effective", buf,
			    sizeof(buf)) < 0)
			continue;
		if (!tt_mask_parse(buf, &m))
			mine |= m;
	}
	t->part = mine;
	if (cg_read(CGROOT, SUBPARTS, buf, sizeof(buf)) < 0 ||
	    tt_mask_parse(buf, &kernel))
		return;
	t->part = kernel;
	if (kernel != mine && t->part_notes++ < 5)
		tt_note(t, "partitions: the kernel holds %s, ours say %llx:%s",
			buf, (unsigned long long)mine, states);
}

int tt_add_child(struct tt *t, pid_t pid)
{
	unsigned int i;

	pthread_mutex_lock(&t->census_lock);
	for (i = 0; i < TT_CHILDREN_MAX; i++) {
		if (!t->children[i]) {
			t->children[i] = pid;
			break;
		}
	}
	pthread_mutex_unlock(&t->census_lock);
	return i < TT_CHILDREN_MAX ? 0 : -ENOSPC;
}

void tt_forget_child(struct tt *t, pid_t pid)
{
	unsigned int i;

	pthread_mutex_lock(&t->census_lock);
	for (i = 0; i < TT_CHILDREN_MAX; i++)
		if (t->children[i] == pid)
			t->children[i] = 0;
	pthread_mutex_unlock(&t->census_lock);
}

static void destroy(struct tt *t, struct tt_partition *p)
{
	unsigned int tries;
	int err;

	cg_write(p->dir, "cpuset.cpus.partition", "member");
	if (p->child > 0) {
		tt_forget_child(t, p->child);
		kill(p->child, SIGKILL);
		waitpid(p->child, NULL, 0);
	}
	/* The child's exit may still be in flight: a few tries. */
	for (tries = 0; tries < 50; tries++) {
		err = rmdir(p->dir) ? -errno : 0;
		if (err != -EBUSY)
			break;
		tt_sleep_ms(10);
	}
	tt_count(t, TT_OP_PARTITION_DEL, err, NULL);
	p->used = false;
	p->child = 0;
}

static void create(struct tt *t, struct tt_rng *r, struct tt_partition *p,
		   unsigned int slot)
{
	static const int invalid[] = { EINVAL, 0 };
	char buf[256], pid[16];
	uint64_t start = tt_now_ns();
	tt_mask online, avail, cpus;
	int err;

	if (tt_read_online(t, &online))
		return;
	/* CPU 0 stays with the root: it can never go offline. */
	avail = online & ~t->part & ~t->leaving & ~tt_bit(0);
	if (!avail) {
		atomic_fetch_add(&t->ops[TT_OP_PARTITION_NEW].refused, 1);
		return;
	}
	cpus = tt_bit(tt_pick_cpu(r, avail));
	if (tt_rng_below(r, 2))
		cpus |= tt_bit(tt_pick_cpu(r, avail));
	/* Not a partition that takes a thread's last usable CPU. */
	if (tt_strands(t, t->part | cpus, online & ~t->leaving)) {
		atomic_fetch_add(&t->ops[TT_OP_PARTITION_NEW].refused, 1);
		return;
	}
	snprintf(p->dir, sizeof(p->dir), CGROOT "/vfold-torture-%d-%u",
		 (int)getpid(), slot);
	if (mkdir(p->dir, 0755)) {
		tt_count(t, TT_OP_PARTITION_NEW, -errno, NULL);
		return;
	}
	p->used = true;
	p->cpus = cpus;
	tt_mask_format(cpus, buf, sizeof(buf));
	err = cg_write(p->dir, "cpuset.cpus", buf);
	if (!err) {
		p->child = fork();
		if (p->child == 0) {
			for (;;)
				pause();
		}
		if (p->child > 0 && tt_add_child(t, p->child)) {
			kill(p->child, SIGKILL);
			waitpid(p->child, NULL, 0);
			p->child = 0;
		}
		if (p->child > 0) {
			snprintf(pid, sizeof(pid), "%d", (int)p->child);
			err = cg_write(p->dir, "cgroup.procs", pid);
		}
	}
	if (!err)
		err = cg_write(p->dir, "cpuset.cpus.partition",
			       tt_rng_below(r, 3) ? "root" : "isolated");
	refresh_part(t);
	/* A partition the kernel found invalid is refused, as documented. */
	if (!err && !(t->part & cpus))
		err = -EINVAL;
	tt_count_timed(t, TT_OP_PARTITION_NEW, err, invalid, start);
	if (t->o.verbose)
		tt_note(t, "op %.3f s: partition %s of %llx: %d, partitions %llx",
			(double)(start - t->start_ns) / 1e9, p->dir,
			(unsigned long long)cpus, err,
			(unsigned long long)t->part);
}

static void one_op(struct tt *t, struct tt_rng *r)
{
	unsigned int i = tt_rng_below(r, TT_PARTS_MAX);

	pthread_mutex_lock(&t->topo_lock);
	if (t->parts[i].used) {
		destroy(t, &t->parts[i]);
		refresh_part(t);
		if (t->o.verbose)
			tt_note(t, "op: partition %u removed, partitions %llx",
				i, (unsigned long long)t->part);
	} else {
		create(t, r, &t->parts[i], i);
	}
	pthread_mutex_unlock(&t->topo_lock);
}

void *tt_stress_cpuset(void *arg)
{
	struct tt *t = arg;
	uint64_t due = tt_now_ns();
	struct tt_rng r;

	tt_register_self(t);
	tt_rng_init(&r, t->o.seed, 4);
	while (!atomic_load(&t->stop)) {
		one_op(t, &r);
		due = tt_next_due(due, 1000000000ULL / CPUSET_HZ, tt_now_ns());
		tt_sleep_until(due);
	}
	return NULL;
}

void tt_cpuset_cleanup(struct tt *t)
{
	unsigned int i;

	pthread_mutex_lock(&t->topo_lock);
	for (i = 0; i < TT_PARTS_MAX; i++)
		if (t->parts[i].used)
			destroy(t, &t->parts[i]);
	refresh_part(t);
	pthread_mutex_unlock(&t->topo_lock);
}
