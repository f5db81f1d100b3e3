/* objects: vfold-agent/apply.o tests/fakesys.o */
// SPDX-License-Identifier: GPL-2.0
/* The agent's start, targets, reports and restore against a fake sysfs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "apply.h"
#include "fakesys.h"

#define GOV	"devices/system/cpu/paravirt_governor/"
#define INJECT	"kernel/debug/paravirt_governor/inject_cpu_steal"
#define PV	"devices/system/cpu/paravirt"

struct fixture {
	char *root;
	struct agent a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";

	f->root = fakesys_new(4, "steal");
	if (agent_start(&f->a, f->root, AGENT_USE_TARGET, err,
			sizeof(err)))
		fail_msg("agent_start: %s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fakesys_free(f->root);
	free(f);
	return 0;
}

static void test_start(void **state)
{
	struct fixture *f = *state;

	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	/* Mode hint comes with the first target, not before. */
	fakesys_expect(f->root, GOV "mode", "steal\n");
	assert_string_equal(f->a.saved_mode, "steal");
	assert_false(f->a.has_ack);
	assert_false(f->a.found_hint);
	assert_int_equal(agent_target(&f->a, 1, &t), 0);
	fakesys_expect(f->root, GOV "mode", "hint");
}

/* Mode hint at start is a dead agent's: the original is taken as off. */
static void test_start_found_hint(void **state)
{
	char *root = fakesys_new(4, "hint"), err[256] = "";
	struct agent a;

	(void)state;
	assert_int_equal(agent_start(&a, root, AGENT_USE_TARGET, err,
				     sizeof(err)), 0);
	assert_true(a.found_hint);
	assert_string_equal(a.saved_mode, "off");
	fakesys_expect(root, GOV "mode", "off");
	fakesys_free(root);
}

/*
 * A target not newer than the last applied one (serial numbers modulo
 * 2^32) is refused and acked so; a refused one does not count as
 * applied; a new host (agent_forget_seq()) starts anew.
 */
static void test_stale_seq(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	assert_int_equal(agent_target(&f->a, 5, &t), 0);
	t.cpus = 3;
	assert_int_equal(agent_target(&f->a, 5, &t), -ESTALE);
	assert_string_equal(f->a.ack_error, "stale seq 5 after 5");
	assert_int_equal(agent_target(&f->a, 4, &t), -ESTALE);
	assert_true(f->a.has_ack);
	assert_int_equal(f->a.ack, 4);
	assert_string_equal(f->a.ack_error, "stale seq 4 after 5");
	fakesys_expect(f->root, GOV "hint", "2");
	assert_int_equal(f->a.stale, 2);
	t.cpus = 9;
	assert_int_equal(agent_target(&f->a, 10, &t), -ERANGE);
	t.cpus = 3;
	assert_int_equal(agent_target(&f->a, 6, &t), 0);
	fakesys_expect(f->root, GOV "hint", "3");
	/* Across the wrap: 0xfffffff0 then 3 is newer; back is not. */
	assert_int_equal(agent_target(&f->a, 0xfffffff0u, &t), -ESTALE);
	agent_forget_seq(&f->a);
	assert_int_equal(agent_target(&f->a, 0xfffffff0u, &t), 0);
	assert_int_equal(agent_target(&f->a, 3, &t), 0);
	assert_int_equal(agent_target(&f->a, 0xfffffff5u, &t), -ESTALE);
	assert_string_equal(f->a.ack_error, "stale seq 4294967285 after 3");
	agent_forget_seq(&f->a);
	/* The next host is not acked a seq of the last one's. */
	assert_false(f->a.has_ack);
	assert_string_equal(f->a.ack_error, "");
	assert_int_equal(agent_target(&f->a, 0, &t), 0);
}

/* Restored, the next target sets mode hint and the ttl again. */
static void test_engage_again(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	assert_int_equal(agent_target(&f->a, 1, &t), 0);
	assert_int_equal(agent_restore(&f->a), 0);
	fakesys_expect(f->root, GOV "mode", "steal");
	fakesys_put(f->root, GOV "hint_ttl_ms", "lapsed");
	assert_int_equal(agent_target(&f->a, 2, &t), 0);
	fakesys_expect(f->root, GOV "mode", "hint");
	fakesys_expect(f->root, GOV "hint_ttl_ms", "5000");
}

static void test_start_without_governor(void **state)
{
	char *root = fakesys_new(4, NULL), err[256] = "";
	struct agent a;

	(void)state;
	assert_int_equal(agent_start(&a, root, AGENT_USE_TARGET, err,
				     sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "kernel without the paravirt governor"));
	/* Nothing to restore. */
	assert_int_equal(agent_restore(&a), 0);
	fakesys_free(root);
}

static void test_start_empty_mode(void **state)
{
	char *root = fakesys_new(4, "off"), err[256] = "", *p;
	struct agent a;

	(void)state;
	assert_true(asprintf(&p, "%s/" GOV "mode", root) > 0);
	unlink(p);
	/* Reads as "" (no mode): refused, and nothing written. */
	assert_int_equal(symlink("/dev/null", p), 0);
	assert_int_equal(agent_start(&a, root, AGENT_USE_TARGET, err,
				     sizeof(err)), -EINVAL);
	free(p);
	fakesys_free(root);
}

static void test_valid_target(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	assert_int_equal(agent_target(&f->a, 17, &t), 0);
	fakesys_expect(f->root, GOV "hint", "2");
	fakesys_expect(f->root, GOV "hint_ttl_ms", "5000");
	assert_true(f->a.has_ack);
	assert_int_equal(f->a.ack, 17);
	assert_string_equal(f->a.ack_error, "");
	/* All online CPUs is valid too. */
	t.cpus = 4;
	assert_int_equal(agent_target(&f->a, 18, &t), 0);
	fakesys_expect(f->root, GOV "hint", "4");
}

/* The hint is written on every target (renewal); the ttl only on change. */
static void test_renewal(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	assert_int_equal(agent_target(&f->a, 1, &t), 0);
	fakesys_put(f->root, GOV "hint", "");
	fakesys_put(f->root, GOV "hint_ttl_ms", "untouched");
	assert_int_equal(agent_target(&f->a, 2, &t), 0);
	fakesys_expect(f->root, GOV "hint", "2");
	fakesys_expect(f->root, GOV "hint_ttl_ms", "untouched");
	t.ttl_ms = 20000;
	assert_int_equal(agent_target(&f->a, 3, &t), 0);
	fakesys_expect(f->root, GOV "hint_ttl_ms", "20000");
}

static void test_invalid_target(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 5, .ttl_ms = 5000 };

	assert_int_equal(agent_target(&f->a, 9, &t), -ERANGE);
	fakesys_expect(f->root, GOV "hint", "0\n");
	fakesys_expect(f->root, GOV "hint_ttl_ms", "10000\n");
	assert_true(f->a.has_ack);
	assert_int_equal(f->a.ack, 9);
	assert_string_equal(f->a.ack_error, "cpus 5 not in 1..4 online CPUs");
	t.cpus = 0;
	assert_int_equal(agent_target(&f->a, 10, &t), -ERANGE);
	fakesys_expect(f->root, GOV "hint", "0\n");
	/* A good target after a bad one clears the error. */
	t.cpus = 1;
	assert_int_equal(agent_target(&f->a, 11, &t), 0);
	assert_string_equal(f->a.ack_error, "");
}

/* A refused ttl write leaves the hint alone and is acked as an error. */
static void test_kernel_refuses(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };
	char *p;

	assert_true(asprintf(&p, "%s/" GOV "hint_ttl_ms", f->root) > 0);
	unlink(p);
	assert_int_equal(symlink("/dev/full", p), 0);
	assert_int_equal(agent_target(&f->a, 5, &t), -ENOSPC);
	fakesys_expect(f->root, GOV "hint", "0\n");
	assert_non_null(strstr(f->a.ack_error, "hint_ttl_ms 5000"));
	/* Not remembered as written: the next target tries again. */
	unlink(p);
	fakesys_put(f->root, GOV "hint_ttl_ms", "10000\n");
	assert_int_equal(agent_target(&f->a, 6, &t), 0);
	fakesys_expect(f->root, GOV "hint_ttl_ms", "5000");
	free(p);
}

static void test_restore(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 2, .ttl_ms = 5000 };

	/* Not in mode hint: nothing to restore, nothing written. */
	fakesys_put(f->root, GOV "mode", "smt");
	assert_int_equal(agent_restore(&f->a), 0);
	fakesys_expect(f->root, GOV "mode", "smt");
	assert_int_equal(agent_target(&f->a, 1, &t), 0);
	assert_int_equal(agent_restore(&f->a), 0);
	fakesys_expect(f->root, GOV "mode", "steal");
}

static void test_report(void **state)
{
	struct fixture *f = *state;
	struct vfold_target t = { .cpus = 5, .ttl_ms = 5000 };
	struct vfold_report r;

	fakesys_put(f->root, "devices/system/cpu/paravirt", "2-3\n");
	assert_int_equal(agent_report(&f->a, 1500, &r), 0);
	assert_int_equal(r.nr_cpus, 4);
	assert_int_equal(r.kept_cpus, 2);
	assert_string_equal(r.mask, "2-3");
	assert_string_equal(r.mode, "steal");
	assert_int_equal(r.demand_milli, 1500);
	assert_false(r.has_ack);

	/* Offline CPUs in the mask are not kept ones lost; demand capped. */
	fakesys_put(f->root, "devices/system/cpu/online", "0-2\n");
	assert_int_equal(agent_target(&f->a, 3, &t), -ERANGE);
	assert_int_equal(agent_report(&f->a, 9999, &r), 0);
	assert_int_equal(r.nr_cpus, 3);
	assert_int_equal(r.kept_cpus, 2);
	assert_int_equal(r.demand_milli, 3000);
	assert_true(r.has_ack);
	assert_int_equal(r.ack, 3);
	assert_string_equal(r.ack_error, "cpus 5 not in 1..3 online CPUs");

	fakesys_put(f->root, "devices/system/cpu/paravirt", "2-\n");
	assert_int_equal(agent_report(&f->a, 0, &r), -EINVAL);
}

/* A target with a steal of @n vCPUs, from @steal. */
static struct vfold_target steal_target(const uint16_t *steal, uint32_t n)
{
	struct vfold_target t = { .cpus = 1, .ttl_ms = 5000,
				  .has_steal = true, .nr_steal = n };

	if (n)
		memcpy(t.steal, steal, n * sizeof(*steal));
	return t;
}

/* A fresh tree of @nr CPUs in mode off and an agent using @use on it. */
static char *start_use(struct agent *a, unsigned int nr, enum agent_use use,
		       const char *inject)
{
	char *root = fakesys_new(nr, "off"), err[256] = "";

	if (inject)
		fakesys_steal_inject(root, inject);
	if (agent_start(a, root, use, err, sizeof(err)))
		fail_msg("agent_start: %s", err);
	return root;
}

static void test_use_names(void **state)
{
	enum agent_use use = AGENT_USE_STEP;

	(void)state;
	assert_int_equal(agent_use_parse("target", &use), 0);
	assert_int_equal(use, AGENT_USE_TARGET);
	assert_int_equal(agent_use_parse("steal", &use), 0);
	assert_int_equal(use, AGENT_USE_STEAL);
	assert_int_equal(agent_use_parse("step", &use), 0);
	assert_int_equal(use, AGENT_USE_STEP);
	assert_int_equal(agent_use_parse("Steal", &use), -EINVAL);
	assert_int_equal(agent_use_parse("", &use), -EINVAL);
	assert_int_equal(use, AGENT_USE_STEP);
	assert_string_equal(agent_use_name(AGENT_USE_STEAL), "steal");
}

/*
 * --use steal: every online CPU's steal goes to inject_cpu_steal, one
 * line each (0 where the target has none, entries past the CPUs
 * ignored), and the mode is steal; the hint is not touched.
 */
static void test_steal_writes_all(void **state)
{
	static const uint16_t first[] = { 500, 0, 1000 };
	static const uint16_t second[] = { 10, 20, 30, 40, 999, 999 };
	struct vfold_target t = steal_target(first, 3);
	struct vfold_report r;
	struct agent a;
	char *root = start_use(&a, 4, AGENT_USE_STEAL, "");

	(void)state;
	assert_int_equal(agent_target(&a, 1, &t), 0);
	fakesys_expect(root, INJECT, "0 500\n1 0\n2 1000\n3 0\n");
	fakesys_expect(root, GOV "mode", "steal");
	fakesys_expect(root, GOV "hint", "0\n");
	fakesys_expect(root, GOV "hint_ttl_ms", "10000\n");
	assert_string_equal(a.ack_error, "");
	assert_true(agent_holds(&a));

	/* Every target: all CPUs again; the mode stays as written. */
	fakesys_put(root, GOV "mode", "steal\n");
	t = steal_target(second, 6);
	assert_int_equal(agent_target(&a, 2, &t), 0);
	fakesys_expect(root, INJECT, "0 10\n1 20\n2 30\n3 40\n");
	fakesys_expect(root, GOV "mode", "steal\n");
	/* Reports are as in any mode. */
	assert_int_equal(agent_report(&a, 1000, &r), 0);
	assert_int_equal(r.ack, 2);
	assert_string_equal(r.mode, "steal");

	/* A CPU gone offline gets 0: nobody would renew its steal. */
	fakesys_put(root, "devices/system/cpu/online", "0-2\n");
	assert_int_equal(agent_target(&a, 3, &t), 0);
	fakesys_expect(root, INJECT, "0 10\n1 20\n2 30\n3 0\n");
	assert_int_equal(agent_target(&a, 4, &t), 0);
	fakesys_expect(root, INJECT, "0 10\n1 20\n2 30\n");

	/* Restored: the steal set is zeroed, the mode found is back. */
	assert_int_equal(agent_restore(&a), 0);
	fakesys_expect(root, INJECT, "0 0\n1 0\n2 0\n");
	fakesys_expect(root, GOV "mode", "off");
	assert_false(agent_holds(&a));
	/* Nothing left to undo: nothing written. */
	fakesys_put(root, INJECT, "untouched");
	assert_int_equal(agent_restore(&a), 0);
	fakesys_expect(root, INJECT, "untouched");
	fakesys_free(root);
}

/* No inject_cpu_steal (no STEAL_INJECT): refused, nothing changed. */
static void test_steal_without_input(void **state)
{
	static const uint16_t steal[] = { 500, 500 };
	struct vfold_target t = steal_target(steal, 2);
	struct agent a;
	char *root = start_use(&a, 2, AGENT_USE_STEAL, NULL);

	(void)state;
	assert_int_equal(agent_target(&a, 1, &t), -ENOENT);
	assert_true(a.has_ack);
	assert_int_equal(a.ack, 1);
	assert_string_equal(a.ack_error, "no steal input "
			    "(CONFIG_SCHED_PARAVIRT_STEAL_INJECT)");
	fakesys_expect(root, GOV "mode", "off\n");
	fakesys_expect(root, GOV "hint", "0\n");
	assert_false(agent_holds(&a));
	assert_false(a.has_seq);
	fakesys_free(root);
}

/* A target without steal: refused in steal and step modes alike. */
static void test_steal_field_missing(void **state)
{
	struct vfold_target t = { .cpus = 1, .ttl_ms = 5000 };
	enum agent_use use;
	struct agent a;
	char *root;

	(void)state;
	for (use = AGENT_USE_STEAL; use <= AGENT_USE_STEP; use++) {
		root = start_use(&a, 2, use, "");
		assert_int_equal(agent_target(&a, 1, &t), -ENODATA);
		assert_string_equal(a.ack_error, "no steal in the target");
		fakesys_expect(root, GOV "mode", "off\n");
		fakesys_expect(root, GOV "hint", "0\n");
		fakesys_expect(root, INJECT, "");
		fakesys_free(root);
	}
}

/*
 * Steal injected at start is a killed agent's: --use steal zeroes it;
 * the other modes leave the file alone.
 */
static void test_steal_found_at_start(void **state)
{
	struct agent a;
	char *root;

	(void)state;
	root = start_use(&a, 4, AGENT_USE_STEAL, "1 300\n3 1000\n");
	assert_int_equal(a.found_steal, 2);
	fakesys_expect(root, INJECT, "1 0\n3 0\n");
	assert_false(agent_holds(&a));
	fakesys_free(root);

	root = start_use(&a, 4, AGENT_USE_STEAL, "");
	assert_int_equal(a.found_steal, 0);
	fakesys_free(root);

	root = start_use(&a, 4, AGENT_USE_TARGET, "1 300\n");
	assert_int_equal(a.found_steal, 0);
	fakesys_expect(root, INJECT, "1 300\n");
	fakesys_free(root);
}

/* The step rule alone: the mean against the thresholds, core by core. */
static void test_step_rule(void **state)
{
	(void)state;
	/* Above 50 permille folds one core; exactly 50 holds. */
	assert_int_equal(agent_step(8, 8, 1, 8 * 51), 7);
	assert_int_equal(agent_step(8, 8, 1, 8 * 50 + 1), 7);
	assert_int_equal(agent_step(8, 8, 1, 8 * 50), 8);
	assert_int_equal(agent_step(6, 8, 1, 6 * 21), 6);
	/* At most 20 unfolds one, never above all CPUs. */
	assert_int_equal(agent_step(6, 8, 1, 6 * 20), 7);
	assert_int_equal(agent_step(6, 8, 1, 0), 7);
	assert_int_equal(agent_step(8, 8, 1, 0), 8);
	/* Never below one core. */
	assert_int_equal(agent_step(1, 8, 1, 1000), 1);
	assert_int_equal(agent_step(2, 8, 1, 2000), 1);
	/* SMT2: by 2, at least 2. */
	assert_int_equal(agent_step(8, 8, 2, 8 * 100), 6);
	assert_int_equal(agent_step(4, 8, 2, 0), 6);
	assert_int_equal(agent_step(7, 8, 2, 0), 8);
	assert_int_equal(agent_step(2, 8, 2, 2000), 2);
	assert_int_equal(agent_step(3, 8, 2, 3000), 2);
	/* Nothing kept counts as no steal; a core bigger than the guest. */
	assert_int_equal(agent_step(0, 4, 1, 0), 1);
	assert_int_equal(agent_step(1, 1, 2, 1000), 1);
	assert_int_equal(agent_step(1, 1, 2, 0), 1);
	assert_int_equal(agent_step(8, 8, 0, 8 * 100), 7);
}

/*
 * --use step through the hint: the mean of the kept CPUs' steal (not
 * the paravirt ones', missing entries 0) decides a core less or more.
 */
static void test_step_target(void **state)
{
	static const uint16_t high[] = { 100, 100, 100, 100 };
	static const uint16_t high_on_folded[] = { 30, 40, 900, 900 };
	static const uint16_t low[] = { 10, 20, 1000, 1000 };
	struct vfold_target t = steal_target(high, 4);
	struct agent a;
	char *root = start_use(&a, 4, AGENT_USE_STEP, NULL);

	(void)state;
	fakesys_smt(root, 4, 1);
	assert_int_equal(agent_target(&a, 1, &t), 0);
	fakesys_expect(root, GOV "hint", "3");
	fakesys_expect(root, GOV "hint_ttl_ms", "5000");
	fakesys_expect(root, GOV "mode", "hint");
	assert_int_equal(a.step_kept, 4);
	assert_int_equal(a.step_steal, 100);
	/* The kernel folded CPU 3: the mean over 0-2 still folds. */
	fakesys_put(root, PV, "3\n");
	assert_int_equal(agent_target(&a, 2, &t), 0);
	fakesys_expect(root, GOV "hint", "2");
	/* Folded CPUs' steal does not count: 35 on 0-1 holds. */
	fakesys_put(root, PV, "2-3\n");
	t = steal_target(high_on_folded, 4);
	assert_int_equal(agent_target(&a, 3, &t), 0);
	fakesys_expect(root, GOV "hint", "2");
	t = steal_target(low, 4);
	assert_int_equal(agent_target(&a, 4, &t), 0);
	fakesys_expect(root, GOV "hint", "3");
	/* No entries: steal 0, unfold; the target's cpus do not matter. */
	fakesys_put(root, PV, "3\n");
	t = steal_target(NULL, 0);
	t.cpus = 1;
	assert_int_equal(agent_target(&a, 5, &t), 0);
	fakesys_expect(root, GOV "hint", "4");
	/* All kept and no steal: at most all. */
	fakesys_put(root, PV, "\n");
	assert_int_equal(agent_target(&a, 6, &t), 0);
	fakesys_expect(root, GOV "hint", "4");
	/* Never below one CPU. */
	fakesys_put(root, PV, "1-3\n");
	t = steal_target(high, 4);
	assert_int_equal(agent_target(&a, 7, &t), 0);
	fakesys_expect(root, GOV "hint", "1");
	/* Restored as target mode is: the mode found; no steal written. */
	assert_int_equal(agent_restore(&a), 0);
	fakesys_expect(root, GOV "mode", "off");
	fakesys_free(root);
}

/* SMT2, from thread_siblings_list: steps of a core, 2 CPUs. */
static void test_step_smt2(void **state)
{
	static const uint16_t high[8] = { 100, 100, 100, 100,
					  100, 100, 100, 100 };
	struct vfold_target t = steal_target(high, 8);
	struct agent a;
	char *root = start_use(&a, 8, AGENT_USE_STEP, NULL);

	(void)state;
	fakesys_smt(root, 8, 2);
	assert_int_equal(agent_target(&a, 1, &t), 0);
	fakesys_expect(root, GOV "hint", "6");
	fakesys_put(root, PV, "6-7\n");
	assert_int_equal(agent_target(&a, 2, &t), 0);
	fakesys_expect(root, GOV "hint", "4");
	fakesys_put(root, PV, "2-7\n");
	assert_int_equal(agent_target(&a, 3, &t), 0);
	fakesys_expect(root, GOV "hint", "2");
	/* One core left: it stays. */
	assert_int_equal(agent_target(&a, 4, &t), 0);
	fakesys_expect(root, GOV "hint", "2");
	t = steal_target(NULL, 0);
	assert_int_equal(agent_target(&a, 5, &t), 0);
	fakesys_expect(root, GOV "hint", "4");
	fakesys_put(root, PV, "\n");
	assert_int_equal(agent_target(&a, 6, &t), 0);
	fakesys_expect(root, GOV "hint", "8");
	fakesys_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start, setup, teardown),
		cmocka_unit_test(test_start_without_governor),
		cmocka_unit_test(test_start_empty_mode),
		cmocka_unit_test(test_start_found_hint),
		cmocka_unit_test_setup_teardown(test_stale_seq, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engage_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_valid_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kernel_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test(test_use_names),
		cmocka_unit_test(test_steal_writes_all),
		cmocka_unit_test(test_steal_without_input),
		cmocka_unit_test(test_steal_field_missing),
		cmocka_unit_test(test_steal_found_at_start),
		cmocka_unit_test(test_step_rule),
		cmocka_unit_test(test_step_target),
		cmocka_unit_test(test_step_smt2),
	};

	return cmocka_run_group_tests_name("agent_apply", tests, NULL, NULL);
}
