/* objects: vfold-hintd/policy.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's policy, driven in closed loops against host models: each
 * runnable vCPU thread gets capacity / all runnable threads (a per-thread
 * fair host), and a guest folded to k vCPUs runs at most k threads. A
 * guest's run+wait is then what it could run, bounded by its target.
 * "No daemon" is the same host with every guest keeping all vCPUs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

#define MAX_VMS 4

enum report { NO_REPORT, HONEST, FIXED };

struct mvm {
	unsigned int nr;
	double weight;
	double busy;		/* threads with work */
	enum report report;
	double reported;	/* FIXED: what it claims */
	bool silent;		/* stopped reporting: its last report ages */
	double run;		/* CPUs it got in the last interval */
};

struct model {
	double capacity;
	size_t n;
	bool daemon;
	struct mvm vm[MAX_VMS];
	struct policy_vm pv[MAX_VMS];
	struct policy_params p;
	unsigned int changes;	/* target changes so far */
	unsigned int t;		/* intervals so far */
};

static void model_init(struct model *m, double capacity, size_t n,
		       unsigned int nr, double busy)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->capacity = capacity;
	m->n = n;
	m->daemon = true;
	policy_defaults(&m->p);
	for (i = 0; i < n; i++) {
		m->vm[i].nr = nr;
		m->vm[i].weight = 1;
		m->vm[i].busy = busy;
	}
}

static unsigned int target_of(const struct model *m, size_t i)
{
	if (!m->daemon || !m->pv[i].target)
		return m->vm[i].nr;
	return m->pv[i].target;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

/* One interval of the host, then one decision. */
static void step(struct model *m)
{
	double runnable[MAX_VMS], total = 0, f;
	size_t i;

	for (i = 0; i < m->n; i++) {
		runnable[i] = min_d(m->vm[i].busy, target_of(m, i));
		total += runnable[i];
	}
	f = total > m->capacity ? m->capacity / total : 1;
	for (i = 0; i < m->n; i++) {
		struct mvm *g = &m->vm[i];
		struct policy_vm *v = &m->pv[i];

		g->run = runnable[i] * f;
		v->nr_vcpus = g->nr;
		v->weight = g->weight;
		v->host_demand = runnable[i];	/* run + wait */
		if (g->report == NO_REPORT)
			continue;
		v->has_guest = true;
		if (g->silent) {
			v->guest_age++;
			continue;
		}
		v->guest_age = 0;
		v->guest_demand = g->report == HONEST ? g->busy : g->reported;
	}
	if (m->daemon)
		m->changes += policy_decide(&m->p, m->capacity, m->pv, m->n);
	m->t++;
}

static void run_for(struct model *m, unsigned int intervals)
{
	while (intervals--)
		step(m);
}

/* Average CPUs each VM got over @intervals more intervals. */
static void delivered(struct model *m, unsigned int intervals, double *got)
{
	unsigned int k;
	size_t i;

	for (i = 0; i < m->n; i++)
		got[i] = 0;
	for (k = 0; k < intervals; k++) {
		step(m);
		for (i = 0; i < m->n; i++)
			got[i] += m->vm[i].run / intervals;
	}
}

static double sum(const double *v, size_t n)
{
	double s = 0;

	while (n--)
		s += v[n];
	return s;
}

#define assert_near(a, b, eps) do {					\
	double _a = (a), _b = (b);					\
	if (_a < _b - (eps) || _a > _b + (eps))				\
		fail_msg("%s = %.3f, expected %.3f +- %.3f", #a, _a,	\
			 _b, (double)(eps));				\
} while (0)

#define assert_at_least(a, b) do {					\
	double _a = (a), _b = (b);					\
	if (_a < _b)							\
		fail_msg("%s = %.3f, expected >= %.3f", #a, _a, _b);	\
} while (0)

/* Intervals until every target equals @want (at most @limit). */
static unsigned int converge(struct model *m, const unsigned int *want,
			     unsigned int limit)
{
	unsigned int k;
	size_t i;

	for (k = 1; k <= limit; k++) {
		bool all = true;

		step(m);
		for (i = 0; i < m->n; i++)
			all = all && m->pv[i].target == want[i];
		if (all)
			return k;
	}
	for (i = 0; i < m->n; i++)
		print_error("vm %zu: target %u, want %u\n", i,
			    m->pv[i].target, want[i]);
	fail_msg("targets did not converge in %u intervals", limit);
	return 0;
}

/* 2 guests x 4 vCPUs, both busy, on 2 CPUs: 1 vCPU each, then steady. */
static void test_symmetric_busy(void **state)
{
	const unsigned int want[] = { 1, 1 };
	struct model m, none;
	double got[2], base[2];
	unsigned int before;

	(void)state;
	model_init(&none, 2, 2, 4, 4);
	none.daemon = false;
	delivered(&none, 10, base);

	model_init(&m, 2, 2, 4, 4);
	assert_in_range(converge(&m, want, 5), 1, 5);
	before = m.changes;
	delivered(&m, 100, got);
	assert_int_equal(m.changes, before);
	assert_near(got[0], 1, 0.01);
	assert_near(got[1], 1, 0.01);
	assert_at_least(sum(got, 2), sum(base, 2) - 0.01);
}

/* One busy, one idle; then swapped: the busy one gets it all back. */
static void test_asymmetric_swapped(void **state)
{
	struct model m;
	double got[2];
	unsigned int k, before;

	(void)state;
	model_init(&m, 2, 2, 4, 0);
	m.vm[0].busy = 4;
	run_for(&m, 10);
	delivered(&m, 10, got);
	assert_near(got[0], 2, 0.01);
	assert_int_equal(m.pv[1].target, 1);

	m.vm[0].busy = 0;
	m.vm[1].busy = 4;
	for (k = 1; k <= 3; k++) {
		step(&m);
		if (m.vm[1].run >= 1.99)
			break;
	}
	assert_in_range(k, 1, 3);
	run_for(&m, 10);
	assert_int_equal(m.pv[0].target, 1);
	assert_int_equal(m.pv[1].target, 2);
	before = m.changes;
	delivered(&m, 50, got);
	assert_near(got[1], 2, 0.01);
	assert_int_equal(m.changes, before);
}

/* A light guest gets what it needs, not what its thread count buys. */
static void test_light_guest_fair(void **state)
{
	struct model m, none;
	double got[2], base[2];

	(void)state;
	model_init(&none, 2, 2, 4, 4);
	none.daemon = false;
	none.vm[1].busy = 1;
	delivered(&none, 10, base);
	assert_near(base[1], 0.4, 0.01);	/* the model is what we think */

	model_init(&m, 2, 2, 4, 4);
	m.vm[1].busy = 1;
	run_for(&m, 10);
	delivered(&m, 50, got);
	assert_near(got[1], 1, 0.01);
	assert_at_least(sum(got, 2), sum(base, 2) - 0.01);
}

/* Weights 2:1 on 3 CPUs: 2 and 1 vCPUs, where no daemon gives 1.5 each. */
static void test_weights(void **state)
{
	const unsigned int want[] = { 2, 1 };
	struct model m;
	double got[2];

	(void)state;
	model_init(&m, 3, 2, 4, 4);
	m.vm[0].weight = 2;
	converge(&m, want, 5);
	delivered(&m, 50, got);
	assert_near(got[0], 2, 0.01);
	assert_near(got[1], 1, 0.01);
}

/* An idle guest claiming 1000 CPUs gets no more than its fair share. */
static void test_lying_guest(void **state)
{
	struct model m;
	double got[2];
	unsigned int k;

	(void)state;
	model_init(&m, 2, 2, 4, 4);
	m.vm[0].busy = 0;
	m.vm[0].report = FIXED;
	m.vm[0].reported = 1000;
	run_for(&m, 5);
	for (k = 0; k < 50; k++) {
		step(&m);
		assert_true(m.pv[0].target <= 1);
		assert_true(m.pv[0].demand <= 4);
		assert_true(m.pv[1].target >= 1);
	}
	delivered(&m, 10, got);
	assert_near(got[1], 1, 0.01);

	/* Busy and lying, on 4 CPUs: still half. */
	model_init(&m, 4, 2, 4, 4);
	m.vm[0].report = FIXED;
	m.vm[0].reported = 1e9;
	run_for(&m, 10);
	assert_int_equal(m.pv[0].target, 2);
	assert_int_equal(m.pv[1].target, 2);
}

/* Garbage in a report (NaN, infinity, negative) is clamped. */
static void test_garbage_demand(void **state)
{
	struct policy_params p;
	struct policy_vm v[2];
	const double bad[] = { 0.0 / 0.0, 1.0 / 0.0, -5 };
	const double expect[] = { 0, 4, 0 };
	size_t i;

	(void)state;
	policy_defaults(&p);
	for (i = 0; i < 3; i++) {
		memset(v, 0, sizeof(v));
		v[0].nr_vcpus = v[1].nr_vcpus = 4;
		v[0].weight = v[1].weight = 1;
		v[1].host_demand = 4;
		v[0].has_guest = true;
		v[0].guest_demand = bad[i];
		policy_decide(&p, 2, v, 2);
		assert_near(v[0].demand, expect[i], 1e-9);
		assert_true(v[0].share <= 1 + 1e-9);
	}
}

/*
 * A guest whose report says busy, then goes idle and silent: its report
 * holds it at its share until it is stale, then the host's view wins.
 */
static void test_stale_report(void **state)
{
	struct model m;
	unsigned int k, t0;

	(void)state;
	model_init(&m, 2, 2, 4, 4);
	m.vm[0].report = HONEST;
	run_for(&m, 10);
	assert_int_equal(m.pv[1].target, 1);

	m.vm[0].busy = 0;
	m.vm[0].silent = true;
	t0 = m.t;
	run_for(&m, m.p.stale_after);
	assert_int_equal(m.pv[1].target, 1);	/* the report still counts */
	for (k = 0; k < 3 && m.pv[1].target != 2; k++)
		step(&m);
	assert_int_equal(m.pv[1].target, 2);
	assert_in_range(m.t - t0, m.p.stale_after + 1, m.p.stale_after + 3);
	assert_false(m.pv[0].guest_used);
}

/* A guest's report raises its target at once when the host has room. */
static void test_report_raises_at_once(void **state)
{
	struct model m;

	(void)state;
	model_init(&m, 4, 2, 4, 4);
	m.vm[0].busy = 1;
	m.vm[0].report = HONEST;
	run_for(&m, 10);
	assert_int_equal(m.pv[0].target, 1);	/* it says 1 is enough */
	assert_int_equal(m.pv[1].target, 3);
	m.vm[0].busy = 4;
	step(&m);
	assert_int_equal(m.pv[0].target, 2);
}

/*
 * A guest without an agent that uses exactly its target is probed with
 * one vCPU more; a probe it does not use is repeated ever more rarely.
 */
static void test_probe_backoff(void **state)
{
	struct model m;
	unsigned int before;

	(void)state;
	model_init(&m, 4, 2, 4, 4);
	m.vm[0].busy = 1;
	run_for(&m, 200);
	before = m.changes;
	run_for(&m, 200);
	assert_true(m.changes - before <= 2 * 2 * 200 / m.p.probe_backoff_max);
	assert_true(m.pv[0].target <= 2);

	/* A probe it uses is kept, and the next one comes at once. */
	m.vm[0].busy = 4;
	run_for(&m, m.p.probe_backoff_max + 3);
	assert_int_equal(m.pv[0].target, 2);
	assert_int_equal(m.pv[1].target, 2);
}

/* Demand exactly at capacity: everyone gets what it needs, steadily. */
static void test_exact_capacity(void **state)
{
	struct model m;
	double got[2];
	unsigned int before;

	(void)state;
	model_init(&m, 4, 2, 4, 2);
	run_for(&m, 10);
	before = m.changes;
	delivered(&m, 100, got);
	assert_int_equal(m.changes, before);
	assert_near(got[0], 2, 0.01);
	assert_near(got[1], 2, 0.01);
	assert_true(m.pv[0].target >= 2 && m.pv[1].target >= 2);

	/* Guests as large as their demand: it fits, nothing folds. */
	model_init(&m, 4, 2, 2, 2);
	run_for(&m, 20);
	assert_int_equal(m.pv[0].target, 2);
	assert_int_equal(m.pv[1].target, 2);
	assert_int_equal(m.changes, 0);
}

/* 3 VMs on 5 CPUs: 2 vCPUs each (5/3 rounded), none of the host idle. */
static void test_three_vms_indivisible(void **state)
{
	const unsigned int two[] = { 2, 2, 2 }, one[] = { 1, 1, 1 };
	struct model m;
	double got[3];
	size_t i;

	(void)state;
	model_init(&m, 5, 3, 4, 4);
	converge(&m, two, 5);
	delivered(&m, 50, got);
	assert_near(sum(got, 3), 5, 0.01);
	for (i = 0; i < 3; i++)
		assert_near(got[i], 5.0 / 3, 0.01);

	/* 3 VMs on 2 CPUs: the floor of 1 vCPU each. */
	model_init(&m, 2, 3, 4, 4);
	converge(&m, one, 5);
	delivered(&m, 10, got);
	assert_near(sum(got, 3), 2, 0.01);
}

/* No contention: every VM keeps all its vCPUs and nothing changes. */
static void test_uncontended(void **state)
{
	struct model m;

	(void)state;
	model_init(&m, 8, 2, 4, 3);
	run_for(&m, 50);
	assert_int_equal(m.pv[0].target, 4);
	assert_int_equal(m.pv[1].target, 4);
	assert_int_equal(m.changes, 0);
}

/* Contention ends (the host frees CPUs): all vCPUs back at once. */
static void test_unfold_at_once(void **state)
{
	struct model m;

	(void)state;
	model_init(&m, 2, 2, 4, 4);
	run_for(&m, 10);
	assert_int_equal(m.pv[0].target, 1);
	m.capacity = 8;
	step(&m);
	assert_int_equal(m.pv[0].target, 4);
	assert_int_equal(m.pv[1].target, 4);
}

/* Lowering waits lower_after intervals; raising does not. */
static void test_lower_waits(void **state)
{
	struct model m;
	unsigned int k;

	(void)state;
	model_init(&m, 2, 2, 4, 4);
	for (k = 1; k < m.p.lower_after; k++) {
		step(&m);
		assert_int_equal(m.pv[0].target, 4);
		assert_int_equal(m.pv[0].want, 1);
	}
	step(&m);
	assert_int_equal(m.pv[0].target, 1);

	/* One interval asking for more resets the streak. */
	m.capacity = 8;
	step(&m);
	assert_int_equal(m.pv[0].target, 4);
	m.capacity = 2;
	run_for(&m, m.p.lower_after - 1);
	m.capacity = 8;
	step(&m);
	m.capacity = 2;
	run_for(&m, m.p.lower_after - 1);
	assert_int_equal(m.pv[0].target, 4);
}

/*
 * Demand that wobbles across a boundary (1.1 .. 1.7 CPUs, a fixed sequence)
 * changes targets rarely; with no hysteresis it would flap.
 */
static unsigned int noisy_changes(unsigned int lower_after, double margin)
{
	struct model m;
	uint32_t x = 12345;
	unsigned int k;

	model_init(&m, 3, 2, 4, 4);
	m.p.lower_after = lower_after;
	m.p.lower_margin = margin;
	m.vm[0].report = HONEST;
	run_for(&m, 10);
	m.changes = 0;
	for (k = 0; k < 300; k++) {
		x = x * 1103515245 + 12345;
		m.vm[0].busy = 1.1 + (x >> 16) % 600 / 1000.0;
		step(&m);
	}
	return m.changes;
}

static void test_noisy_bounded_changes(void **state)
{
	unsigned int with = noisy_changes(3, 0.25);
	unsigned int without = noisy_changes(1, 0);

	(void)state;
	print_message("# changes in 300 intervals: %u (no hysteresis %u)\n",
		      with, without);
	assert_true(with <= 6);
	assert_true(without > 30);
}

/* Edge cases: a 1-vCPU VM, a VM smaller than min_cpus. */
static void test_small_vms(void **state)
{
	struct policy_params p;
	struct policy_vm v[2];

	(void)state;
	policy_defaults(&p);
	p.min_cpus = 2;
	memset(v, 0, sizeof(v));
	v[0].nr_vcpus = 1;
	v[1].nr_vcpus = 8;
	v[0].weight = v[1].weight = 1;
	v[0].host_demand = 1;
	v[1].host_demand = 8;
	p.lower_after = 1;
	policy_decide(&p, 1, v, 2);
	assert_int_equal(v[0].target, 1);
	assert_int_equal(v[1].target, 2);
	assert_true(v[0].contended);
}

/*
 * The fair share alone, table-driven: @n VMs of @nr vCPUs, busy on all of
 * them, the first @heavy with weight 3, the rest 1, on @capacity CPUs;
 * after the lowering streak each VM's target is @want_heavy or @want.
 */
struct share_case {
	const char *name;
	double capacity;
	size_t n, heavy;
	unsigned int nr;
	double busy;
	unsigned int want_heavy, want;
};

static const struct share_case share_cases[] = {
	{ "1 VM, fits", 4, 1, 0, 4, 4, 0, 4 },
	{ "1 VM, contended", 2, 1, 0, 4, 4, 0, 2 },
	{ "2 VMs, fit exactly", 8, 2, 0, 4, 3.5, 0, 4 },
	{ "2 VMs, half each", 2, 2, 0, 4, 4, 0, 1 },
	{ "10 VMs, floor of 1 each", 2, 10, 0, 4, 4, 0, 1 },
	{ "1000 VMs, 2 CPUs each", 2000, 1000, 0, 4, 4, 0, 2 },
	{ "1000 VMs, weights 3:1", 2000, 1000, 500, 4, 4, 3, 1 },
	{ "1000 VMs, light ones keep all", 4000, 1000, 0, 4, 1, 0, 4 },
};

static void run_share_case(const struct share_case *c, struct policy_vm *v)
{
	struct policy_params p;
	size_t i;
	int round;

	policy_defaults(&p);
	memset(v, 0, c->n * sizeof(*v));
	for (i = 0; i < c->n; i++) {
		v[i].nr_vcpus = c->nr;
		v[i].weight = i < c->heavy ? 3 : 1;
		v[i].host_demand = c->busy;
	}
	for (round = 0; round <= (int)p.lower_after; round++)
		policy_decide(&p, c->capacity, v, c->n);
}

static void test_share_table(void **state)
{
	struct policy_vm *v = calloc(1000, sizeof(*v));
	size_t k, i;

	(void)state;
	assert_non_null(v);
	for (k = 0; k < sizeof(share_cases) / sizeof(share_cases[0]); k++) {
		const struct share_case *c = &share_cases[k];

		run_share_case(c, v);
		for (i = 0; i < c->n; i++) {
			unsigned int want = i < c->heavy ? c->want_heavy : c->want;

			if (v[i].target != want)
				fail_msg("%s: VM %zu target %u, want %u", c->name, i,
					 v[i].target, want);
		}
	}
	free(v);
}

/*
 * A VM vanishes (its QEMU died): the caller drops it from the array, and
 * the others get its share at the next decision, not after a streak.
 */
static void test_vm_vanishes(void **state)
{
	const struct share_case c = { "3 VMs", 6, 3, 0, 4, 4, 0, 2 };
	struct policy_params p;
	struct policy_vm v[3];

	(void)state;
	run_share_case(&c, v);
	assert_int_equal(v[0].target, 2);
	assert_int_equal(v[2].target, 2);
	v[1] = v[2];
	policy_defaults(&p);
	policy_decide(&p, 6, v, 2);
	assert_int_equal(v[0].target, 3);
	assert_int_equal(v[1].target, 3);
}

/*
 * @n VMs of @nr vCPUs, all busy, with floors @floor (and weights @weight
 * if not NULL) on @capacity CPUs: the targets converge to @want.
 */
static void floor_model(struct model *m, double capacity, size_t n,
			unsigned int nr, const unsigned int *floor,
			const double *weight, const unsigned int *want)
{
	size_t i;

	model_init(m, capacity, n, nr, nr);
	for (i = 0; i < n; i++) {
		m->pv[i].floor = floor[i];
		if (weight)
			m->vm[i].weight = weight[i];
	}
	converge(m, want, 5);
}

/* A floor wins over the fair share: 3 of 4 CPUs, the other VM gets 1. */
static void test_floor_wins(void **state)
{
	struct model m;
	double got[2];

	(void)state;
	floor_model(&m, 4, 2, 4, (const unsigned int[]){ 3, 0 }, NULL,
		    (const unsigned int[]){ 3, 1 });
	assert_true(m.pv[0].floored);
	assert_near(m.pv[0].share, 3, 1e-9);
	delivered(&m, 50, got);
	assert_near(got[0], 3, 0.01);
	assert_near(got[1], 1, 0.01);
	/* A floor above the VM's vCPUs is its vCPUs. */
	m.pv[0].floor = 100;
	run_for(&m, 5);
	assert_int_equal(m.pv[0].target, 4);
	assert_int_equal(m.pv[1].target, 1);
}

/*
 * Floors that together exceed the capacity are kept; the VMs without
 * one get min_cpus.
 */
static void test_floors_exceed_capacity(void **state)
{
	struct model m;

	(void)state;
	floor_model(&m, 4, 4, 8, (const unsigned int[]){ 3, 3, 0, 0 }, NULL,
		    (const unsigned int[]){ 3, 3, 1, 1 });
	m.p.min_cpus = 2;
	run_for(&m, 5);
	assert_int_equal(m.pv[2].target, 2);
	assert_int_equal(m.pv[3].target, 2);
	assert_int_equal(m.pv[0].target, 3);
}

/* What the floors leave is shared by weight among the others. */
static void test_floor_remainder_weighted(void **state)
{
	struct model m;

	(void)state;
	/* VM 0's fair share would be 2.5. */
	floor_model(&m, 10, 3, 8, (const unsigned int[]){ 4, 0, 0 },
		    (const double[]){ 1, 2, 1 },
		    (const unsigned int[]){ 4, 4, 2 });
	assert_near(m.pv[1].share, 4, 1e-9);
	assert_near(m.pv[2].share, 2, 1e-9);
	assert_false(m.pv[1].floored);
}

/*
 * An idle VM keeps its floor of vCPUs but sets no CPUs aside: the busy
 * one gets the rest, as without the floor. Without contention the floor
 * changes nothing.
 */
static void test_idle_floor(void **state)
{
	const unsigned int want[] = { 3, 4 };
	struct model m;

	(void)state;
	model_init(&m, 4, 2, 4, 0);
	m.vm[1].busy = 4;
	m.pv[0].floor = 3;
	converge(&m, want, 10);
	assert_false(m.pv[0].floored);
	m.vm[0].busy = 4;	/* wakes up: the floor's CPUs are its */
	run_for(&m, 10);
	assert_int_equal(m.pv[0].target, 3);
	assert_int_equal(m.pv[1].target, 1);

	floor_model(&m, 16, 2, 4, (const unsigned int[]){ 2, 0 }, NULL,
		    (const unsigned int[]){ 4, 4 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_busy),
		cmocka_unit_test(test_asymmetric_swapped),
		cmocka_unit_test(test_light_guest_fair),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_lying_guest),
		cmocka_unit_test(test_garbage_demand),
		cmocka_unit_test(test_stale_report),
		cmocka_unit_test(test_report_raises_at_once),
		cmocka_unit_test(test_probe_backoff),
		cmocka_unit_test(test_exact_capacity),
		cmocka_unit_test(test_three_vms_indivisible),
		cmocka_unit_test(test_uncontended),
		cmocka_unit_test(test_unfold_at_once),
		cmocka_unit_test(test_lower_waits),
		cmocka_unit_test(test_noisy_bounded_changes),
		cmocka_unit_test(test_small_vms),
		cmocka_unit_test(test_share_table),
		cmocka_unit_test(test_vm_vanishes),
		cmocka_unit_test(test_floor_wins),
		cmocka_unit_test(test_floors_exceed_capacity),
		cmocka_unit_test(test_floor_remainder_weighted),
		cmocka_unit_test(test_idle_floor),
	};

	return cmocka_run_group_tests_name("hintd_policy", tests, NULL, NULL);
}
