// SPDX-License-Identifier: GPL-2.0
/*
 * Logs go to stderr, one line each. Each interval's view goes to stdout:
 * a JSON object per line (--json), for scripts, or a table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <json-c/json.h>

#include "output.h"
#include "vm.h"

void hintd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vfold-hintd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *cgroup_state(const struct vm *vm)
{
	static const char *const names[] = {
		[VM_CGROUP_NONE] = "none",
		[VM_CGROUP_PLACED] = "placed",
		[VM_CGROUP_FOREIGN] = "foreign",
		[VM_CGROUP_FAILED] = "failed",
	};

	return names[vm->cgroup];
}

static double guest_demand(const struct vm *vm)
{
	return vm->hint.report.demand_milli / 1000.0;
}

static void add(struct json_object *o, const char *key,
		struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/*
 * The guest's last report as it came, and its age in intervals (as the
 * policy judged it): every field null without a report, ack, ack_error
 * and psi_some_permille also when the report did not carry them.
 */
static void add_report(struct json_object *o, const struct vm *vm)
{
	const struct vfold_report *r = &vm->hint.report;
	bool has = vm->hint.has_report;

	add(o, "guest_kept_cpus", has ?
	    json_object_new_int64(r->kept_cpus) : NULL);
	add(o, "guest_mask", has ? json_object_new_string(r->mask) : NULL);
	add(o, "guest_mode", has ? json_object_new_string(r->mode) : NULL);
	add(o, "guest_ack", has && r->has_ack ?
	    json_object_new_int64(r->ack) : NULL);
	add(o, "guest_ack_error", has && r->has_ack ?
	    json_object_new_string(r->ack_error) : NULL);
	add(o, "guest_psi_some_permille", has && r->has_psi ?
	    json_object_new_int64(r->psi_some_permille) : NULL);
	add(o, "guest_report_age", has ?
	    json_object_new_int64(vm->pol.guest_age) : NULL);
}

/* The per-vCPU steal sent with the targets; null for a VM too big. */
static struct json_object *steal_json(const struct usage *u)
{
	struct json_object *a;
	unsigned int i;

	if (!u->has_steal)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < u->nr_steal; i++)
		json_object_array_add(a, json_object_new_int(u->steal[i]));
	return a;
}

static struct json_object *vm_json(const struct vm *vm)
{
	struct json_object *o = json_object_new_object();
	struct json_object *tids = NULL;
	const struct policy_vm *p = &vm->pol;
	unsigned int i;

	/* A backend that measures the vCPUs itself knows no threads. */
	if (vm->info.tids) {
		tids = json_object_new_array();
		for (i = 0; i < vm->info.nr_vcpus; i++)
			json_object_array_add(tids,
				json_object_new_int(vm->info.tids[i]));
	}
	add(o, "name", json_object_new_string(vm->info.name));
	add(o, "backend", json_object_new_string(vm->info.backend ?
			vm->info.backend->ops->name : ""));
	add(o, "pid", vm->info.pid ? json_object_new_int(vm->info.pid) : NULL);
	add(o, "vcpus", json_object_new_int(vm->info.nr_vcpus));
	add(o, "tids", tids);
	add(o, "hint_path", vm->info.hint_path[0] ?
	    json_object_new_string(vm->info.hint_path) : NULL);
	add(o, "threads_read", json_object_new_int(vm->use.threads));
	add(o, "run", json_object_new_double(vm->use.run));
	add(o, "wait", json_object_new_double(vm->use.wait));
	add(o, "steal", steal_json(&vm->use));
	add(o, "guest_demand", vm->hint.has_report ?
	    json_object_new_double(guest_demand(vm)) : NULL);
	add_report(o, vm);
	add(o, "guest_used", json_object_new_boolean(p->guest_used));
	add(o, "demand", json_object_new_double(p->demand));
	add(o, "share", json_object_new_double(p->share));
	add(o, "target", json_object_new_int(p->target));
	add(o, "weight", json_object_new_double(p->weight));
	add(o, "cgroup", vm->cgroup == VM_CGROUP_NONE ? NULL :
	    json_object_new_string(vm->cgroup_path));
	add(o, "cgroup_state", json_object_new_string(cgroup_state(vm)));
	add(o, "hint_connected", json_object_new_boolean(vm->hint.fd >= 0));
	add(o, "reports", json_object_new_int64(vm->hint.reports));
	add(o, "bad_messages", json_object_new_int64(vm->hint.bad));
	return o;
}

static void print_json(double capacity, struct vm *const *vms,
		       unsigned int n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, vm_json(vms[i]));
	add(o, "capacity", json_object_new_double(capacity));
	add(o, "vms", arr);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void print_table(double capacity, struct vm *const *vms,
			unsigned int n)
{
	unsigned int i;

	printf("capacity %.1f CPUs, %u VMs\n", capacity, n);
	printf("%-16s %8s %5s %6s %6s %6s %6s %6s  %s\n", "VM", "PID",
	       "VCPUS", "RUN", "WAIT", "GUEST", "TARGET", "WEIGHT", "CGROUP");
	for (i = 0; i < n; i++) {
		const struct vm *vm = vms[i];
		char guest[16] = "-", pid[16] = "-";

		if (vm->hint.has_report)
			snprintf(guest, sizeof(guest), "%.2f",
				 guest_demand(vm));
		if (vm->info.pid)
			snprintf(pid, sizeof(pid), "%d", vm->info.pid);
		printf("%-16s %8s %5u %6.2f %6.2f %6s %6u %6.2f  %s\n",
		       vm->info.name, pid, vm->info.nr_vcpus,
		       vm->use.run, vm->use.wait, guest, vm->pol.target,
		       vm->pol.weight, vm->cgroup == VM_CGROUP_NONE ? "-" :
		       vm->cgroup_path);
	}
}

void output_interval(double capacity, struct vm *const *vms, unsigned int n,
		     bool json)
{
	if (json)
		print_json(capacity, vms, n);
	else
		print_table(capacity, vms, n);
	fflush(stdout);
}

void output_decision(const struct vm *vm, double capacity)
{
	const struct policy_vm *p = &vm->pol;
	char guest[16] = "-";

	if (p->guest_used)
		snprintf(guest, sizeof(guest), "%.1f", p->guest_demand);
	hintd_log("vm %s: target %u -> %u (capacity %g, demand host %.1f guest %s%s, share %.1f)",
		  vm->info.name, p->old_target, p->target, capacity,
		  p->host_demand, guest, p->probing ? ", probing" : "",
		  p->share);
}
