/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM discovery. A backend lists the running VMs each interval: QMP
 * sockets (qmp.c) or a libvirt connection (libvirt.c), one or both.
 */
#ifndef VFOLD_HINTD_BACKEND_H
#define VFOLD_HINTD_BACKEND_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "measure.h"

#define VM_NAME_MAX	64

struct backend;

struct vm_info {
	char name[VM_NAME_MAX];	/* unique among the VMs of a scan */
	pid_t pid;		/* the QEMU process, 0 if not known */
	/* Another value for the same name: the VM was restarted. */
	unsigned long long instance;
	unsigned int nr_vcpus;
	/*
	 * nr_vcpus thread ids, by vCPU index, read from /proc; NULL when
	 * the backend measures the vCPUs itself (backend_ops.sample).
	 */
	pid_t *tids;
	char hint_path[PATH_MAX];	/* the hint chardev's socket, or "" */
	char source[PATH_MAX];	/* where it was found, for logs */
	double weight;		/* > 0, or 0 for the default */
	/*
	 * Its manager (libvirt) keeps it in a cpu cgroup weighted as
	 * @weight: vfold-hintd leaves it there.
	 */
	bool managed_cgroup;
	/* The CPUs its vCPUs may run on, if the backend knows (no tids). */
	bool has_cpus;
	cpu_set_t cpus;
	struct backend *backend;	/* set by the daemon: who found it */
};

struct vm_list {
	struct vm_info *vms;
	size_t n, cap;
};

struct backend_ops {
	const char *name;
	/* Appends every VM found to @out; returns 0 or -errno. */
	int (*scan)(void *priv, struct vm_list *out);
	/*
	 * For VMs found without tids: each vCPU's counters so far, @s[i]
	 * for vCPU index i < @vm->nr_vcpus (key and ok set), and when
	 * they were read in *@at_ns (CLOCK_MONOTONIC; set to now by the
	 * caller: a backend that asks a slow daemon knows better). Returns
	 * 0 or -errno (then nothing was read).
	 */
	int (*sample)(void *priv, const struct vm_info *vm,
		      struct vcpu_sample *s, uint64_t *at_ns);
	/*
	 * Optional: a non-blocking fd that turns readable when VMs came or
	 * went; the daemon drains it and rescans at once. -1: none now.
	 */
	int (*event_fd)(void *priv);
	void (*destroy)(void *priv);
};

struct backend {
	const struct backend_ops *ops;
	void *priv;
};

/* An entry at the end of @l, zeroed, or NULL without memory. */
struct vm_info *vm_list_add(struct vm_list *l);
/* Drops the last entry (a VM that could not be queried after all). */
void vm_list_drop_last(struct vm_list *l);
struct vm_info *vm_list_find(struct vm_list *l, const char *name);
/* Names go into paths and logs: anything but [A-Za-z0-9._-] becomes '_'. */
void vm_name_clean(char out[VM_NAME_MAX], const char *name);
void vm_name_set(struct vm_info *vm, const char *name);
void vm_list_clear(struct vm_list *l);

/*
 * QMP: the sockets @paths, and every DIR/NAME.qmp of @dir, rescanned
 * each time. The hint socket is the QMP socket's path with ".hint" for
 * ".qmp". NULL without memory.
 */
struct backend *qmp_backend_new(const char *const *paths, size_t n,
				const char *dir);
/*
 * libvirt: the running domains of connection @uri ("qemu:///system"),
 * measured through its statistics; a domain's hint socket is its unix
 * channel org.vfold.hint.0. NULL without memory.
 */
struct backend *libvirt_backend_new(const char *uri);
void backend_free(struct backend *b);

#endif
