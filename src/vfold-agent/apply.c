// SPDX-License-Identifier: GPL-2.0
/* The agent's writes to the guest kernel; see apply.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "array_size.h"
#include "cpulist.h"

static const char *const use_names[] = {
	[AGENT_USE_TARGET] = "target",
	[AGENT_USE_STEAL] = "steal",
	[AGENT_USE_STEP] = "step",
};

int agent_use_parse(const char *name, enum agent_use *use)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(use_names); i++) {
		if (!strcmp(name, use_names[i])) {
			*use = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *agent_use_name(enum agent_use use)
{
	return use_names[use];
}

/*
 * Sets each CPU of @cpus in inject_cpu_steal: to its steal in @t if it
 * is one of @online, else (past the target's entries, without @t) to 0.
 * The kernel takes one CPU per write(); a->injected follows what was
 * written.
 */
static int inject(struct agent *a, const struct vfold_cpuset *cpus,
		  const struct vfold_target *t,
		  const struct vfold_cpuset *online)
{
	char path[PATH_MAX], line[32];
	unsigned int cpu, p;
	int fd, n, ret;
	ssize_t w;

	ret = vfold_sysfs_path(&a->sys, VFOLD_INJECT_STEAL, path,
			       sizeof(path));
	if (ret)
		return ret;
	/* O_TRUNC for test trees: the file then holds this call's lines. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (cpu = 0; cpu < VFOLD_CPUS_MAX && !ret; cpu++) {
		if (!vfold_cpuset_test(cpus, cpu))
			continue;
		p = t && cpu < t->nr_steal && vfold_cpuset_test(online, cpu) ?
		    t->steal[cpu] : 0;
		n = snprintf(line, sizeof(line), "%u %u\n", cpu, p);
		do {
			w = write(fd, line, (size_t)n);
		} while (w < 0 && errno == EINTR);
		if (w < 0)
			ret = -errno;
		else if (w != n)
			ret = -EIO;
		else if (p)
			vfold_cpuset_set(&a->injected, cpu);
		else
			vfold_cpuset_clear(&a->injected, cpu);
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/*
 * Steal injected when we start is an agent's that was killed: its
 * source is gone, so it goes too. No file: nothing to clear (a target
 * will be refused).
 */
static int clear_found_steal(struct agent *a)
{
	size_t len = VFOLD_CPUS_MAX * 12;
	char *buf = malloc(len), *line, *save = NULL;
	struct vfold_cpuset found;
	unsigned int cpu, p;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = vfold_sysfs_read(&a->sys, VFOLD_INJECT_STEAL, buf, len);
	if (ret < 0) {
		free(buf);
		return ret == -ENOENT ? 0 : ret;
	}
	vfold_cpuset_zero(&found);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%u %u", &cpu, &p) == 2 && p)
			vfold_cpuset_set(&found, cpu);
	free(buf);
	a->found_steal = vfold_cpuset_count(&found);
	return a->found_steal ? inject(a, &found, NULL, NULL) : 0;
}

int agent_start(struct agent *a, const char *sysfs_root, enum agent_use use,
		char *err, size_t errlen)
{
	char mode[64];
	int ret;

	memset(a, 0, sizeof(*a));
	a->use = use;
	vfold_sysfs_init(&a->sys, sysfs_root);
	if (!vfold_gov_present(&a->sys)) {
		snprintf(err, errlen, "kernel without the paravirt governor "
			 "(no %s/" VFOLD_GOV_DIR "/mode)", a->sys.root);
		return -ENOENT;
	}
	ret = vfold_gov_read(&a->sys, "mode", mode, sizeof(mode));
	if (ret >= 0 && (!ret || (size_t)ret >= sizeof(a->saved_mode)))
		ret = -EINVAL;
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the governor mode: %s",
			 strerror(-ret));
		return ret;
	}
	if (!strcmp(mode, "hint")) {
		ret = vfold_gov_write(&a->sys, "mode", "off");
		if (ret) {
			snprintf(err, errlen, "cannot set governor mode off "
				 "(hint left by another agent): %s",
				 strerror(-ret));
			return ret;
		}
		strcpy(mode, "off");
		a->found_hint = true;
	}
	strcpy(a->saved_mode, mode);
	if (use != AGENT_USE_STEAL)
		return 0;
	ret = clear_found_steal(a);
	if (ret)
		snprintf(err, errlen, "cannot clear the steal injected in %s/"
			 VFOLD_INJECT_STEAL ": %s", a->sys.root,
			 strerror(-ret));
	return ret;
}

__attribute__((format(printf, 3, 4)))
static int refuse(struct agent *a, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->ack_error, sizeof(a->ack_error), fmt, ap);
	va_end(ap);
	return ret;
}

/* Keep @cpus CPUs for @ttl_ms: the hint, in mode hint. */
static int apply_hint(struct agent *a, uint32_t cpus, uint32_t ttl_ms)
{
	int ret;

	if (!a->engaged)
		a->ttl_ms = 0;	/* written anew with the mode */
	if (ttl_ms != a->ttl_ms) {
		ret = vfold_gov_write_u32(&a->sys, "hint_ttl_ms", ttl_ms);
		if (ret)
			return refuse(a, ret, "hint_ttl_ms %u: %s", ttl_ms,
				      strerror(-ret));
		a->ttl_ms = ttl_ms;
	}
	ret = vfold_gov_write_u32(&a->sys, "hint", cpus);
	if (ret)
		return refuse(a, ret, "hint %u: %s", cpus, strerror(-ret));
	a->hint = cpus;
	/*
	 * The mode last: switched on, the governor acts at once on the hint
	 * it holds, which is then this target's, not a stale one.
	 */
	if (!a->engaged) {
		ret = vfold_gov_write(&a->sys, "mode", "hint");
		if (ret)
			return refuse(a, ret, "mode hint: %s", strerror(-ret));
		a->engaged = true;
	}
	return 0;
}

static int use_target(struct agent *a, const struct vfold_target *t)
{
	int nr = vfold_nr_online(&a->sys);

	if (nr < 0)
		return refuse(a, nr, "cannot read the online CPUs: %s",
			      strerror(-nr));
	if (t->cpus < 1 || t->cpus > (uint32_t)nr)
		return refuse(a, -ERANGE, "cpus %u not in 1..%d online CPUs",
			      t->cpus, nr);
	return apply_hint(a, t->cpus, t->ttl_ms);
}

uint32_t agent_step(uint32_t kept, uint32_t nr, uint32_t threads,
		    uint64_t steal_sum)
{
	uint32_t core = threads ? threads : 1, want = kept;

	if (nr < 1)
		nr = 1;
	if (core > nr)
		core = nr;
	/* Sums against kept x limit: a mean without rounding. */
	if (steal_sum > (uint64_t)STEP_FOLD_ABOVE * kept)
		want = kept > core ? (kept - core > core ? kept - core : core) :
		       kept;
	else if (steal_sum <= (uint64_t)STEP_UNFOLD_AT * kept)
		want = kept + core;
	if (want > nr)
		want = nr;
	return want ? want : 1;
}

/* The CPUs per core: of the first CPU of @cpus, 1 if unknown. */
static uint32_t threads_per_core(const struct agent *a,
				 const struct vfold_cpuset *cpus)
{
	struct vfold_cpuset sib;
	char rel[96];
	unsigned int cpu, n;

	for (cpu = 0; cpu < VFOLD_CPUS_MAX; cpu++)
		if (vfold_cpuset_test(cpus, cpu))
			break;
	if (cpu == VFOLD_CPUS_MAX)
		return 1;
	snprintf(rel, sizeof(rel), VFOLD_CPU_DIR
		 "/cpu%u/topology/thread_siblings_list", cpu);
	if (vfold_sysfs_read_cpus(&a->sys, rel, &sib))
		return 1;
	n = vfold_cpuset_count(&sib);
	return n ? n : 1;
}

static int use_step(struct agent *a, const struct vfold_target *t)
{
	struct vfold_cpuset online, pv, kept;
	uint32_t nr, k = 0, cpus;
	uint64_t sum = 0;
	unsigned int cpu;
	int ret;

	if (!t->has_steal)
		return refuse(a, -ENODATA, "no steal in the target");
	ret = vfold_online_read(&a->sys, &online) ?:
	      vfold_paravirt_read(&a->sys, &pv);
	if (ret)
		return refuse(a, ret, "cannot read the CPUs: %s",
			      strerror(-ret));
	vfold_cpuset_andnot(&kept, &online, &pv);
	for (cpu = 0; cpu < VFOLD_CPUS_MAX; cpu++) {
		if (!vfold_cpuset_test(&kept, cpu))
			continue;
		k++;
		if (cpu < t->nr_steal)
			sum += t->steal[cpu];
	}
	nr = vfold_cpuset_count(&online);
	cpus = agent_step(k, nr, threads_per_core(a, k ? &kept : &online),
			  sum);
	a->step_kept = k;
	a->step_steal = k ? (uint32_t)(sum / k) : 0;
	return apply_hint(a, cpus, t->ttl_ms);
}

static int use_steal(struct agent *a, const struct vfold_target *t)
{
	struct vfold_cpuset online, cpus;
	char path[PATH_MAX];
	unsigned int i;
	int ret;

	if (!t->has_steal)
		return refuse(a, -ENODATA, "no steal in the target");
	ret = vfold_sysfs_path(&a->sys, VFOLD_INJECT_STEAL, path,
			       sizeof(path));
	if (!ret && access(path, W_OK))
		ret = -errno;
	if (ret == -ENOENT)
		return refuse(a, ret, "no steal input "
			      "(CONFIG_SCHED_PARAVIRT_STEAL_INJECT)");
	if (ret)
		return refuse(a, ret, "inject_cpu_steal: %s", strerror(-ret));
	ret = vfold_online_read(&a->sys, &online);
	if (ret)
		return refuse(a, ret, "cannot read the online CPUs: %s",
			      strerror(-ret));
	/* And the CPUs gone offline since: their steal goes to 0. */
	for (i = 0; i < sizeof(cpus.bits) / sizeof(cpus.bits[0]); i++)
		cpus.bits[i] = online.bits[i] | a->injected.bits[i];
	ret = inject(a, &cpus, t, &online);
	if (ret)
		return refuse(a, ret, "inject_cpu_steal: %s", strerror(-ret));
	/* The steal first: switched on, the governor acts on this one. */
	if (!a->engaged) {
		ret = vfold_gov_write(&a->sys, "mode", "steal");
		if (ret) {
			/* Not steering, so nothing injected either. */
			cpus = a->injected;
			inject(a, &cpus, NULL, NULL);
			return refuse(a, ret, "mode steal: %s",
				      strerror(-ret));
		}
		a->engaged = true;
	}
	return 0;
}

int agent_target(struct agent *a, uint32_t seq, const struct vfold_target *t)
{
	int ret;

	a->has_ack = true;
	a->ack = seq;
	a->ack_error[0] = '\0';
	if (a->has_seq && (int32_t)(seq - a->last_seq) <= 0) {
		a->stale++;
		return refuse(a, -ESTALE, "stale seq %u after %u", seq,
			      a->last_seq);
	}
	switch (a->use) {
	case AGENT_USE_STEAL:
		ret = use_steal(a, t);
		break;
	case AGENT_USE_STEP:
		ret = use_step(a, t);
		break;
	default:
		ret = use_target(a, t);
		break;
	}
	if (ret)
		return ret;
	a->has_seq = true;
	a->last_seq = seq;
	return 0;
}

void agent_forget_seq(struct agent *a)
{
	/* A new host must not see acks of targets another host sent. */
	a->has_seq = false;
	a->has_ack = false;
	a->ack_error[0] = '\0';
}

int agent_restore(struct agent *a)
{
	struct vfold_cpuset cpus = a->injected;
	int ret = 0, r;

	/* The relayed steal goes with its source, whatever the mode. */
	if (vfold_cpuset_count(&cpus))
		ret = inject(a, &cpus, NULL, NULL);
	if (a->engaged) {
		r = vfold_gov_write(&a->sys, "mode", a->saved_mode);
		if (!r)
			a->engaged = false;
		ret = ret ?: r;
	}
	return ret;
}

bool agent_holds(const struct agent *a)
{
	return a->engaged || vfold_cpuset_count(&a->injected);
}

int agent_report(const struct agent *a, uint32_t demand_milli,
		 struct vfold_report *r)
{
	struct vfold_cpuset online, pv, kept;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = vfold_online_read(&a->sys, &online) ?:
	      vfold_paravirt_read(&a->sys, &pv);
	if (ret)
		return ret;
	ret = vfold_gov_read(&a->sys, "mode", r->mode, sizeof(r->mode));
	if (ret < 0)
		return ret;
	vfold_cpuset_andnot(&kept, &online, &pv);
	r->nr_cpus = vfold_cpuset_count(&online);
	r->kept_cpus = vfold_cpuset_count(&kept);
	/* A mask too long for a message is sent as "" (docs/protocol.md). */
	if (vfold_cpulist_format(&pv, r->mask, sizeof(r->mask)) < 0)
		r->mask[0] = '\0';
	r->demand_milli = demand_milli < r->nr_cpus * 1000 ?
			  demand_milli : r->nr_cpus * 1000;
	r->has_ack = a->has_ack;
	r->ack = a->ack;
	strcpy(r->ack_error, a->ack_error);
	return 0;
}
