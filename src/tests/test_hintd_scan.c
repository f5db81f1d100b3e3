/* objects: vfold-hintd/backend.o vfold-hintd/cgroup.o vfold-hintd/hint.o vfold-hintd/libvirt.o vfold-hintd/measure.o vfold-hintd/metrics.o vfold-hintd/options.o vfold-hintd/output.o vfold-hintd/policy.o vfold-hintd/qmp.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's scan and measurement plumbing (vfold-hintd/main.c,
 * included with its main() renamed) against a fake backend that
 * measures its VMs itself, as libvirt's does: a backend that cannot
 * answer keeps its VMs, unread vCPUs are unknown rather than idle, a
 * restart is a new VM, a hint socket that moves is followed, names
 * stay unique, a managed cgroup is left alone, and an event rescans at
 * once.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hintd_main(int argc, char **argv);
#define main hintd_main
#include "../vfold-hintd/main.c"
#undef main

#include <cmocka.h>

#define SEC	1000000000ull
#define NR_FAKE	2

struct fake {
	struct vm_info vms[NR_FAKE];	/* what a scan finds */
	size_t n;
	int scan_err, sample_err;
	unsigned int scans;
	uint64_t run_ns, wait_ns;	/* every vCPU's counters */
	uint64_t at_ns;			/* when they were read, or 0: now */
	int pipe[2];
};

static int fake_scan(void *priv, struct vm_list *out)
{
	struct fake *f = priv;
	size_t i;

	f->scans++;
	if (f->scan_err)
		return f->scan_err;
	for (i = 0; i < f->n; i++) {
		struct vm_info *vm = vm_list_add(out);

		assert_non_null(vm);
		*vm = f->vms[i];
	}
	return 0;
}

static int fake_sample(void *priv, const struct vm_info *vm,
		       struct vcpu_sample *s, uint64_t *at_ns)
{
	struct fake *f = priv;
	unsigned int i;

	if (f->sample_err)
		return f->sample_err;
	if (f->at_ns)
		*at_ns = f->at_ns;
	for (i = 0; i < vm->nr_vcpus; i++) {
		s[i].key = i;
		s[i].ok = true;
		s[i].s.run_ns = f->run_ns;
		s[i].s.wait_ns = f->wait_ns;
	}
	return 0;
}

static int fake_event_fd(void *priv)
{
	return ((struct fake *)priv)->pipe[0];
}

static void fake_destroy(void *priv)
{
	(void)priv;
}

static const struct backend_ops fake_ops = {
	.name = "fake",
	.scan = fake_scan,
	.sample = fake_sample,
	.event_fd = fake_event_fd,
	.destroy = fake_destroy,
};

struct fixture {
	struct fake fake;
	struct backend be;
	struct backend *bes[1];
	struct daemon d;
};

static void fake_vm(struct fake *f, size_t i, const char *name,
		    unsigned long long instance)
{
	memset(&f->vms[i], 0, sizeof(f->vms[i]));
	vm_name_set(&f->vms[i], name);
	f->vms[i].instance = instance;
	f->vms[i].nr_vcpus = 2;
	snprintf(f->vms[i].source, sizeof(f->vms[i].source), "fake %llu",
		 instance);
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(pipe2(x->fake.pipe, O_NONBLOCK), 0);
	x->be = (struct backend){ .ops = &fake_ops, .priv = &x->fake };
	x->bes[0] = &x->be;
	x->d.be = x->bes;
	x->d.nr_be = 1;
	x->d.o.interval_ms = 1000;
	x->d.o.ttl_ms = 10000;
	policy_defaults(&x->d.o.pp);
	fake_vm(&x->fake, 0, "a", 1);
	x->fake.n = 1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	size_t i;

	for (i = 0; i < x->d.n; i++)
		free_vm(x->d.vms[i]);
	free(x->d.vms);
	vm_list_clear(&x->d.scan);
	free(x->d.scan.vms);
	close(x->fake.pipe[0]);
	close(x->fake.pipe[1]);
	free(x);
	return 0;
}

static void test_unread_is_unknown(void **state)
{
	struct fixture *x = *state;
	struct vm *vm;

	scan_vms(&x->d);
	assert_int_equal(x->d.n, 1);
	vm = x->d.vms[0];
	assert_null(vm->info.tids);

	measure_vm(vm, 10 * SEC);
	x->fake.run_ns = SEC / 2;
	measure_vm(vm, 11 * SEC);
	assert_true(vm->use.valid);
	assert_int_equal(vm->use.counted, 2);
	assert_true(vm->use.run > 0.99 && vm->use.run < 1.01);

	/* The backend cannot read it: not an idle VM. */
	x->fake.sample_err = -EIO;
	measure_vm(vm, 12 * SEC);
	assert_false(vm->use.valid);
	assert_int_equal(vm->use.threads, 0);

	/* Back: the delta spans the gap, from the last good sample. */
	x->fake.sample_err = 0;
	x->fake.run_ns = SEC / 2 + SEC;
	measure_vm(vm, 13 * SEC);
	assert_true(vm->use.valid);
	assert_true(vm->use.run > 0.99 && vm->use.run < 1.01);

	/*
	 * Counters read half a second late (a slow daemon): timed when
	 * read, not when asked, or this would show 1.5 CPUs.
	 */
	x->fake.run_ns += SEC / 2 + SEC / 4;
	x->fake.at_ns = 14 * SEC + SEC / 2;
	measure_vm(vm, 14 * SEC);
	assert_true(vm->use.run > 0.99 && vm->use.run < 1.01);
}

static void test_failed_scan_keeps_vms(void **state)
{
	struct fixture *x = *state;

	scan_vms(&x->d);
	assert_int_equal(x->d.n, 1);
	x->fake.scan_err = -ECONNREFUSED;
	scan_vms(&x->d);
	assert_int_equal(x->d.scan_err, -ECONNREFUSED);
	assert_int_equal(x->d.n, 1);
	assert_string_equal(x->d.vms[0]->info.name, "a");

	/* An answer without it drops it. */
	x->fake.scan_err = 0;
	x->fake.n = 0;
	scan_vms(&x->d);
	assert_int_equal(x->d.scan_err, 0);
	assert_int_equal(x->d.n, 0);
}

static void test_restart_is_new_vm(void **state)
{
	struct fixture *x = *state;

	scan_vms(&x->d);
	x->d.vms[0]->pol.target = 1;
	scan_vms(&x->d);
	assert_int_equal(x->d.vms[0]->pol.target, 1);

	fake_vm(&x->fake, 0, "a", 2);
	scan_vms(&x->d);
	assert_int_equal(x->d.n, 1);
	assert_int_equal(x->d.vms[0]->info.instance, 2);
	assert_int_equal(x->d.vms[0]->pol.target, 0);
}

static void test_hint_socket_changes(void **state)
{
	struct fixture *x = *state;

	snprintf(x->fake.vms[0].hint_path, PATH_MAX, "/run/a.hint");
	scan_vms(&x->d);
	assert_string_equal(x->d.vms[0]->hint.path, "/run/a.hint");
	x->d.vms[0]->pol.target = 1;

	/* The channel unplugged, then plugged again elsewhere. */
	x->fake.vms[0].hint_path[0] = '\0';
	scan_vms(&x->d);
	assert_string_equal(x->d.vms[0]->hint.path, "");
	snprintf(x->fake.vms[0].hint_path, PATH_MAX, "/run/b.hint");
	scan_vms(&x->d);
	assert_string_equal(x->d.vms[0]->hint.path, "/run/b.hint");
	assert_string_equal(x->d.vms[0]->info.hint_path, "/run/b.hint");
	/* The same VM: its state stays. */
	assert_int_equal(x->d.vms[0]->pol.target, 1);
}

static void test_names_unique(void **state)
{
	struct fixture *x = *state;

	/* "a b" and "a?b" both clean to "a_b": the first wins. */
	fake_vm(&x->fake, 0, "a b", 1);
	fake_vm(&x->fake, 1, "a?b", 2);
	x->fake.n = 2;
	scan_vms(&x->d);
	assert_int_equal(x->d.n, 1);
	assert_int_equal(x->d.vms[0]->info.instance, 1);
}

static void test_managed_cgroup_left(void **state)
{
	struct fixture *x = *state;

	x->fake.vms[0].managed_cgroup = true;
	x->fake.vms[0].weight = 2;
	/* Placing would fail without a cgroup tree: it must not be tried. */
	x->d.cg_on = true;
	scan_vms(&x->d);
	assert_int_equal(x->d.vms[0]->cgroup, VM_CGROUP_FOREIGN);
	assert_string_equal(x->d.vms[0]->cgroup_path, "fake");
	assert_true(x->d.vms[0]->pol.weight == 2);
	x->d.cg_on = false;
}

static void test_event_rescans(void **state)
{
	struct fixture *x = *state;
	uint64_t start;
	char c = 0;

	scan_vms(&x->d);
	assert_int_equal(x->fake.scans, 1);
	fake_vm(&x->fake, 1, "b", 3);
	x->fake.n = 2;

	/* No event: no scan until the deadline. */
	wait_until(&x->d, now_ns() + SEC / 10);
	assert_int_equal(x->fake.scans, 1);
	assert_int_equal(x->d.n, 1);

	assert_int_equal(write(x->fake.pipe[1], &c, 1), 1);
	start = now_ns();
	wait_until(&x->d, start + SEC / 5);
	assert_int_equal(x->fake.scans, 2);
	assert_int_equal(x->d.n, 2);
	/* Drained: one rescan, and the wait went on to its deadline. */
	assert_true(now_ns() - start >= SEC / 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unread_is_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_scan_keeps_vms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_is_new_vm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hint_socket_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names_unique, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_managed_cgroup_left, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_event_rescans, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
