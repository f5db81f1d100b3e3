/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest kernel's files for vfold under a configurable sysfs root (so
 * tests can use a directory tree of their own):
 *
 *	ROOT/devices/system/cpu/online			cpulist, RO
 *	ROOT/devices/system/cpu/paravirt		cpulist, EBUSY while
 *							a governor mode is on
 *	ROOT/devices/system/cpu/paravirt_governor/	mode, hint, hint_ttl_ms,
 *							counters, ...
 *	ROOT/kernel/debug/paravirt_governor/		debugfs, with
 *							STEAL_INJECT:
 *							inject_cpu_steal
 *
 * Every function returns 0 (or a count) on success and -errno on
 * failure, the kernel's own for a refused write (-EINVAL, -EBUSY).
 */
#ifndef VFOLD_SYSFS_H
#define VFOLD_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

#define VFOLD_SYSFS_ROOT	"/sys"
#define VFOLD_CPU_DIR		"devices/system/cpu"
#define VFOLD_GOV_DIR		VFOLD_CPU_DIR "/paravirt_governor"
/*
 * "CPU PERMILLE" per write: that share of the time CPU runs is accounted
 * as stolen (CONFIG_SCHED_PARAVIRT_STEAL_INJECT, debug kernels only).
 * Reads as "CPU PERMILLE" lines of the CPUs set to more than 0.
 */
#define VFOLD_INJECT_STEAL \
	"kernel/debug/paravirt_governor/inject_cpu_steal"

struct vfold_sysfs {
	const char *root;	/* kept by the caller; no trailing '/' needed */
};

/* @root NULL means VFOLD_SYSFS_ROOT. */
void vfold_sysfs_init(struct vfold_sysfs *s, const char *root);

/* ROOT/@rel into @buf; -ENAMETOOLONG if it does not fit. */
int vfold_sysfs_path(const struct vfold_sysfs *s, const char *rel,
		     char *buf, size_t len);

/*
 * Reads ROOT/@rel into @buf without its trailing '\n'. Returns the length,
 * -EOVERFLOW if the file does not fit with a NUL, or -errno.
 */
int vfold_sysfs_read(const struct vfold_sysfs *s, const char *rel,
		     char *buf, size_t len);

/* Writes @val to ROOT/@rel in one write(). Returns 0 or the -errno. */
int vfold_sysfs_write(const struct vfold_sysfs *s, const char *rel,
		      const char *val);

/* A decimal number; -EINVAL if the file holds anything else. */
int vfold_sysfs_read_u64(const struct vfold_sysfs *s, const char *rel,
			 uint64_t *v);
int vfold_sysfs_write_u32(const struct vfold_sysfs *s, const char *rel,
			  uint32_t v);

/* A cpulist file; -EINVAL if it holds no valid cpulist. */
int vfold_sysfs_read_cpus(const struct vfold_sysfs *s, const char *rel,
			  struct vfold_cpuset *set);

/* The governor's directory exists: the kernel has the patch. */
bool vfold_gov_present(const struct vfold_sysfs *s);

/* A file of paravirt_governor/, e.g. "mode", "hint", "folds". */
int vfold_gov_read(const struct vfold_sysfs *s, const char *file,
		   char *buf, size_t len);
int vfold_gov_write(const struct vfold_sysfs *s, const char *file,
		    const char *val);
int vfold_gov_read_u64(const struct vfold_sysfs *s, const char *file,
		       uint64_t *v);
int vfold_gov_write_u32(const struct vfold_sysfs *s, const char *file,
			uint32_t v);

int vfold_online_read(const struct vfold_sysfs *s, struct vfold_cpuset *set);
/* The number of online CPUs, or -errno. */
int vfold_nr_online(const struct vfold_sysfs *s);
int vfold_paravirt_read(const struct vfold_sysfs *s, struct vfold_cpuset *set);
/* -EBUSY while a governor mode other than "off" sets the mask. */
int vfold_paravirt_write(const struct vfold_sysfs *s,
			 const struct vfold_cpuset *set);

#endif
