/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A CPU cgroup per VM, weighted, so that the host keeps a cooperating
 * guest's share: cgroup v2 ROOT/vfold/NAME (cpu.weight) or v1
 * ROOT/cpu/vfold/NAME (cpu.shares). ROOT is /sys/fs/cgroup but for tests.
 */
#ifndef VFOLD_HINTD_CGROUP_H
#define VFOLD_HINTD_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum cgroup_mode {
	CGROUP_V1 = 1,
	CGROUP_V2,
};

struct cgroup_ctx {
	enum cgroup_mode mode;
	char root[PATH_MAX];	/* the cpu hierarchy's mount */
	char base[PATH_MAX];	/* root/vfold: our cgroups */
	char proc[PATH_MAX];	/* /proc, to read PID/cgroup */
};

/* Finds the cpu hierarchy under @root: 0, or -ENOENT if none. */
int cgroup_init(struct cgroup_ctx *c, const char *root, const char *proc);

/*
 * The cpu cgroup in /proc/PID/cgroup's @text ("/" for the root), or
 * -ENOENT if it has none for @mode.
 */
int cgroup_cpu_path(const char *text, enum cgroup_mode mode, char *path,
		    size_t len);

enum cgroup_placed {
	CGROUP_PLACED,		/* in ours: @where is /vfold/NAME */
	CGROUP_FOREIGN,		/* in another cpu cgroup, @where: left as is */
};

/*
 * Moves process @pid with all its threads into the cgroup of VM @name
 * weighted @weight (1 is the default share). Returns enum cgroup_placed
 * or -errno.
 */
int cgroup_place(const struct cgroup_ctx *c, const char *name, pid_t pid,
		 double weight, char *where, size_t len);

/*
 * Removes our cgroups for which @keep says false: those of VMs that are
 * gone. A cgroup still holding a process stays (EBUSY) until next time.
 */
void cgroup_prune(const struct cgroup_ctx *c,
		  bool (*keep)(const char *name, void *arg), void *arg);

#endif
