/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision: how many vCPUs each VM may keep. A pure function of its
 * arguments (no I/O, no globals), so it can be driven against host models
 * in unit tests.
 */
#ifndef VFOLD_HINTD_POLICY_H
#define VFOLD_HINTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct policy_params {
	double headroom_cpus;	/* added to each VM's demand ... */
	double headroom_frac;	/* ... or this fraction of it, the larger */
	double saturated_frac;	/* run+wait >= this x target: wants more */
	unsigned int lower_after;	/* intervals a lower target must last */
	double lower_margin;	/* CPUs a share must fall below a target */
	unsigned int stale_after;	/* intervals a guest's report is good */
	unsigned int probe_backoff_max;	/* intervals between failed probes */
	unsigned int min_cpus;	/* no target below this */
};

struct policy_vm {
	/* Inputs, set by the caller every interval. */
	unsigned int nr_vcpus;
	double weight;		/* > 0 */
	double host_demand;	/* run + wait CPUs the host saw */
	bool has_guest;		/* the guest reported a demand ... */
	double guest_demand;	/* ... of this many CPUs ... */
	unsigned int guest_age;	/* ... this many intervals ago */
	/*
	 * No target below this (at most nr_vcpus; 0: none). What the VM
	 * asks up to it is set aside before the rest is shared: floors
	 * are kept even when together they exceed the capacity.
	 */
	unsigned int floor;

	/* State kept between calls: zero it for a new VM. */
	unsigned int target;	/* 0 before the first decision */
	unsigned int lower_streak;	/* intervals a lower target was asked */
	unsigned int lower_to;	/* the highest of those */
	bool probed;		/* the last raise was a probe ... */
	unsigned int probe_from;	/* ... from this target */
	unsigned int probe_hold;	/* intervals before the next probe */
	unsigned int probe_backoff;	/* hold after the next failed probe */

	/* Outputs, for logs. */
	double demand;		/* the demand the decision used */
	double asked;		/* demand + headroom, at most nr_vcpus */
	double share;		/* CPUs the fair share gives it */
	bool guest_used;	/* the guest's report counted */
	bool probing;		/* saturated: asked for one vCPU more */
	bool contended;		/* the total demand did not fit */
	bool floored;		/* the floor raised its share */
	unsigned int want;	/* target before hysteresis */
	unsigned int old_target;
};

void policy_defaults(struct policy_params *p);

/*
 * Whether a guest's report @age intervals old still counts: its demand
 * is used, and its agent is taken to be alive (vfold-hintd sends targets
 * only then). @has_report: the guest reported at all.
 */
bool policy_report_fresh(const struct policy_params *p, bool has_report,
			 unsigned int age);

/*
 * Decides @vms[i].target for @n VMs sharing @capacity CPUs. Returns how
 * many targets changed (the first decision for a VM counts as none).
 */
unsigned int policy_decide(const struct policy_params *p, double capacity,
			   struct policy_vm *vms, size_t n);

#endif
