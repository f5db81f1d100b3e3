// SPDX-License-Identifier: GPL-2.0
/*
 * While the VMs' total demand fits the host, every VM keeps all of its
 * vCPUs. Otherwise the capacity is shared by weighted max-min fairness
 * (water-filling): a VM asking less than its share gets what it asks,
 * the rest is split among the others by weight. A target is the share
 * rounded, within min_cpus..nr_vcpus.
 *
 * A VM's floor is a promise: whatever the contention, its target is at
 * least that (at most its vCPUs). What a VM asks up to its floor is set
 * aside before the others share the rest by the same rule: floors that
 * together exceed the capacity are still kept (the others go down to
 * min_cpus), while an idle VM's floor takes no CPU from anyone.
 *
 * A folded guest cannot show the host the demand it turns away, so the
 * demand is the larger of what the host saw and what the guest reported.
 * The report counts the guest's waiting work; without a fresh one, a
 * guest using all of its target is taken to want one more vCPU (a probe;
 * a probe the guest did not use is not repeated for a while, doubling).
 * Targets rise at once; they fall only after a share lower by more than
 * lower_margin was asked for lower_after intervals in a row, so that they
 * do not flap.
 */
#include "policy.h"

/* Own helpers: the programs do not link libm. */
static double max_d(double a, double b)
{
	return a > b ? a : b;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

void policy_defaults(struct policy_params *p)
{
	p->headroom_cpus = 0.1;
	p->headroom_frac = 0.05;
	p->saturated_frac = 0.9;
	p->lower_after = 3;
	p->lower_margin = 0.25;
	p->stale_after = 3;
	p->probe_backoff_max = 64;
	p->min_cpus = 1;
}

bool policy_report_fresh(const struct policy_params *p, bool has_report,
			 unsigned int age)
{
	return has_report && age <= p->stale_after;
}

static double clamp_cpus(double v, double max)
{
	/* A guest's report is not trusted: NaN counts as nothing. */
	if (!(v > 0))
		return 0;
	return v < max ? v : max;
}

static unsigned int current_target(const struct policy_vm *vm)
{
	return vm->target ? vm->target : vm->nr_vcpus;
}

static void vm_demand(const struct policy_params *p, struct policy_vm *vm)
{
	double nr = vm->nr_vcpus;
	unsigned int cur = current_target(vm);
	double d = clamp_cpus(vm->host_demand, nr);
	double headroom;

	vm->guest_used = policy_report_fresh(p, vm->has_guest, vm->guest_age);
	if (vm->guest_used)
		d = max_d(d, clamp_cpus(vm->guest_demand, nr));
	vm->probing = !vm->guest_used && !vm->probe_hold && cur < nr &&
		      vm->host_demand >= p->saturated_frac * cur && d < cur + 1;
	if (vm->probing)
		d = cur + 1;
	vm->demand = d;

	headroom = max_d(p->headroom_cpus, p->headroom_frac * d);
	vm->asked = min_d(d + headroom, nr);
}

static double vm_weight(const struct policy_vm *vm)
{
	return vm->weight > 0 ? vm->weight : 1;
}

/*
 * Raises a water level over the VMs: those asking less than the level
 * times their weight get what they ask and leave; when none is left
 * below the level, the others share the rest by weight.
 */
static void water_fill(double capacity, struct policy_vm *vms, size_t n)
{
	double left = capacity, weights = 0;
	size_t i, open = 0;
	bool settled;

	for (i = 0; i < n; i++) {
		if (vms[i].floored)
			continue;	/* has its share */
		vms[i].share = -1;
		weights += vm_weight(&vms[i]);
		open++;
	}
	do {
		double level = weights > 0 ? max_d(left, 0) / weights : 0;

		settled = false;
		for (i = 0; i < n; i++) {
			struct policy_vm *vm = &vms[i];

			if (vm->share >= 0 || vm->asked > level * vm_weight(vm))
				continue;
			vm->share = vm->asked;
			left -= vm->asked;
			weights -= vm_weight(vm);
			open--;
			settled = true;
		}
		if (!settled) {
			for (i = 0; i < n; i++)
				if (vms[i].share < 0)
					vms[i].share = level * vm_weight(&vms[i]);
			open = 0;
		}
	} while (open);
}

static unsigned int vm_floor(const struct policy_vm *vm)
{
	return vm->floor < vm->nr_vcpus ? vm->floor : vm->nr_vcpus;
}

/*
 * Water-filling above floors: a VM whose share falls below its floor
 * gets the floor (as far as it asks for it), and the others share the
 * rest again. Their shares only fall as floors are set aside, so a VM
 * held up stays held up, and this ends after at most one round per VM.
 */
static void share_out(double capacity, struct policy_vm *vms, size_t n)
{
	bool again;
	size_t i;

	do {
		double left = capacity;

		for (i = 0; i < n; i++)
			if (vms[i].floored)
				left -= vms[i].share;
		water_fill(left, vms, n);
		again = false;
		for (i = 0; i < n; i++) {
			struct policy_vm *vm = &vms[i];
			double floor = min_d(vm_floor(vm), vm->asked);

			if (vm->floored || !(vm->share < floor))
				continue;
			vm->floored = true;
			vm->share = floor;
			again = true;
		}
	} while (again);
}

static unsigned int share_to_target(const struct policy_params *p,
				    const struct policy_vm *vm, double share)
{
	unsigned int lo = p->min_cpus ? p->min_cpus : 1;
	unsigned int t;

	if (lo < vm->floor)
		lo = vm->floor;
	if (lo > vm->nr_vcpus)
		lo = vm->nr_vcpus;
	if (!(share < vm->nr_vcpus))
		return vm->nr_vcpus;
	t = (unsigned int)(share + 0.5);	/* share >= 0: rounds */
	return t < lo ? lo : t;
}

/*
 * A probe succeeded when the guest used more than it had before it; one
 * that is taken back failed, and holds off the next one.
 */
static void track_probe(const struct policy_params *p, struct policy_vm *vm,
			unsigned int cur)
{
	unsigned int base = p->lower_after ? p->lower_after : 1;

	if (vm->probe_hold)
		vm->probe_hold--;
	if (vm->target > cur) {
		vm->probed = vm->probing;
		vm->probe_from = cur;
		if (!vm->probing)
			vm->probe_backoff = 0;
	} else if (vm->probed && vm->host_demand > vm->probe_from + 0.5) {
		vm->probed = false;
		vm->probe_backoff = 0;
	} else if (vm->probed && vm->target < cur) {
		vm->probed = false;
		vm->probe_hold = vm->probe_backoff ? vm->probe_backoff : base;
		vm->probe_backoff = vm->probe_hold * 2;
		if (vm->probe_backoff > p->probe_backoff_max)
			vm->probe_backoff = p->probe_backoff_max;
	}
}

/* Raise at once; lower to the highest target asked over the streak. */
static void apply_hysteresis(const struct policy_params *p,
			     struct policy_vm *vm)
{
	unsigned int cur = current_target(vm);

	vm->target = cur;
	if (vm->want >= cur) {
		vm->target = vm->want;
		vm->lower_streak = 0;
	} else {
		if (!vm->lower_streak || vm->want > vm->lower_to)
			vm->lower_to = vm->want;
		if (++vm->lower_streak >= p->lower_after) {
			vm->target = vm->lower_to;
			vm->lower_streak = 0;
		}
	}
	track_probe(p, vm, cur);
}

unsigned int policy_decide(const struct policy_params *p, double capacity,
			   struct policy_vm *vms, size_t n)
{
	double total = 0;
	unsigned int changed = 0;
	bool contended;
	size_t i;

	for (i = 0; i < n; i++) {
		vm_demand(p, &vms[i]);
		vms[i].floored = false;
		total += vms[i].asked;
	}
	contended = total > capacity;
	if (contended) {
		share_out(capacity, vms, n);
	} else {
		for (i = 0; i < n; i++)
			vms[i].share = vms[i].nr_vcpus;
	}
	for (i = 0; i < n; i++) {
		struct policy_vm *vm = &vms[i];

		vm->contended = contended;
		vm->old_target = vm->target;
		vm->want = share_to_target(p, vm, vm->share);
		if (vm->want < current_target(vm))
			vm->want = share_to_target(p, vm,
						   vm->share + p->lower_margin);
		apply_hysteresis(p, vm);
		if (vm->old_target && vm->target != vm->old_target)
			changed++;
	}
	return changed;
}
