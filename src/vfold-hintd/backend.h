/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM discovery. A backend lists the running VMs each interval; QMP
 * (qmp.c) is one, a libvirt one can sit beside it.
 */
#ifndef VFOLD_HINTD_BACKEND_H
#define VFOLD_HINTD_BACKEND_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define VM_NAME_MAX	64

struct vm_info {
	char name[VM_NAME_MAX];	/* unique among the VMs of a scan */
	pid_t pid;		/* the QEMU process */
	unsigned int nr_vcpus;
	pid_t *tids;		/* nr_vcpus thread ids, by vCPU index */
	char hint_path[PATH_MAX];	/* the hint chardev's socket, or "" */
	char source[PATH_MAX];	/* where it was found, for logs */
	double weight;		/* > 0, or 0 for the default */
};

struct vm_list {
	struct vm_info *vms;
	size_t n, cap;
};

struct backend_ops {
	const char *name;
	/* Appends every VM found to @out; returns 0 or -errno. */
	int (*scan)(void *priv, struct vm_list *out);
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
void vm_name_set(struct vm_info *vm, const char *name);
void vm_list_clear(struct vm_list *l);

/*
 * QMP: the sockets @paths, and every DIR/NAME.qmp of @dir, rescanned
 * each time. The hint socket is the QMP socket's path with ".hint" for
 * ".qmp". NULL without memory.
 */
struct backend *qmp_backend_new(const char *const *paths, size_t n,
				const char *dir);
void backend_free(struct backend *b);

#endif
