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

struct fixture {
	char *root;
	struct agent a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";

	f->root = fakesys_new(4, "steal");
	if (agent_start(&f->a, f->root, err, sizeof(err)))
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
	assert_int_equal(agent_start(&a, root, err, sizeof(err)), 0);
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
	assert_int_equal(agent_start(&a, root, err, sizeof(err)), -ENOENT);
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
	assert_int_equal(agent_start(&a, root, err, sizeof(err)), -EINVAL);
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
	};

	return cmocka_run_group_tests_name("agent_apply", tests, NULL, NULL);
}
