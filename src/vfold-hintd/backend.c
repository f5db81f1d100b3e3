// SPDX-License-Identifier: GPL-2.0
/* The list of VMs a backend fills. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

struct vm_info *vm_list_add(struct vm_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct vm_info *v = realloc(l->vms, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->vms = v;
		l->cap = cap;
	}
	memset(&l->vms[l->n], 0, sizeof(l->vms[0]));
	return &l->vms[l->n++];
}

void vm_list_drop_last(struct vm_list *l)
{
	if (!l->n)
		return;
	free(l->vms[--l->n].tids);
	l->vms[l->n].tids = NULL;
}

struct vm_info *vm_list_find(struct vm_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->vms[i].name, name))
			return &l->vms[i];
	return NULL;
}

void vm_name_clean(char out[VM_NAME_MAX], const char *name)
{
	size_t i;

	snprintf(out, VM_NAME_MAX, "%s", name);
	for (i = 0; out[i]; i++) {
		char c = out[i];

		if (!isalnum((unsigned char)c) && !strchr("._-", c))
			out[i] = '_';
	}
	if (!out[0] || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, VM_NAME_MAX, "_");
}

void vm_name_set(struct vm_info *vm, const char *name)
{
	vm_name_clean(vm->name, name);
}

void vm_list_clear(struct vm_list *l)
{
	while (l->n)
		vm_list_drop_last(l);
}

void backend_free(struct backend *b)
{
	if (!b)
		return;
	b->ops->destroy(b->priv);
	free(b);
}
