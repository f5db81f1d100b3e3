/* objects: vfold-hintd/libvirt.o vfold-hintd/backend.o vfold-hintd/output.o vfold-hintd/measure.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's libvirt backend: vCPU statistics as libvirt 9.0 returns
 * them, the hint channel in live domain XML, CPU shares as a weight, and
 * a connection that cannot be made. The real libvirtd is driven in
 * tests/integration/hintd-libvirt.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"
#include "libvirt.h"

struct params {
	virTypedParameterPtr p;
	int n, max;
};

static void add_uint(struct params *ps, const char *field, unsigned int v)
{
	assert_int_equal(virTypedParamsAddUInt(&ps->p, &ps->n, &ps->max,
					       field, v), 0);
}

static void add_ull(struct params *ps, const char *field,
		    unsigned long long v)
{
	assert_int_equal(virTypedParamsAddULLong(&ps->p, &ps->n, &ps->max,
						 field, v), 0);
}

/* One vCPU's fields, as `virsh domstats --vcpu` lists them. */
static void add_vcpu(struct params *ps, unsigned int i,
		     unsigned long long time, unsigned long long delay)
{
	char f[64];

	snprintf(f, sizeof(f), "vcpu.%u.state", i);
	assert_int_equal(virTypedParamsAddInt(&ps->p, &ps->n, &ps->max, f,
					      1), 0);
	snprintf(f, sizeof(f), "vcpu.%u.time", i);
	add_ull(ps, f, time);
	snprintf(f, sizeof(f), "vcpu.%u.wait", i);
	add_ull(ps, f, 7);
	snprintf(f, sizeof(f), "vcpu.%u.delay", i);
	add_ull(ps, f, delay);
}

static void params_free(struct params *ps)
{
	virTypedParamsFree(ps->p, ps->n);
	memset(ps, 0, sizeof(*ps));
}

static void test_vcpu_stats(void **state)
{
	struct params ps = { 0 };
	struct vcpu_sample s[4];
	unsigned int nr;

	(void)state;
	add_uint(&ps, "vcpu.current", 2);
	add_uint(&ps, "vcpu.maximum", 4);
	/* Fields come in any order; vCPU 1 was unplugged. */
	add_vcpu(&ps, 2, 3000, 4000);
	add_vcpu(&ps, 0, 1000, 2000);
	memset(s, 0, sizeof(s));
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 4, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(s[0].key, 0);
	assert_true(s[0].ok);
	assert_int_equal(s[0].s.run_ns, 1000);
	assert_int_equal(s[0].s.wait_ns, 2000);
	assert_int_equal(s[1].key, 2);
	assert_int_equal(s[1].s.run_ns, 3000);
	assert_int_equal(s[1].s.wait_ns, 4000);

	/* Room for one: the first, and an error (not all current ones). */
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 1, &nr), -EINVAL);
	assert_int_equal(nr, 1);
	assert_int_equal(s[0].key, 0);
	params_free(&ps);
}

static void test_vcpu_stats_bad(void **state)
{
	struct params ps = { 0 };
	struct vcpu_sample s[4];
	unsigned int nr;

	(void)state;
	/* No vcpu.current: not a vCPU record. */
	add_vcpu(&ps, 0, 1, 1);
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 4, &nr), -EINVAL);
	params_free(&ps);

	/* vcpu.current says 2, one is there. */
	add_uint(&ps, "vcpu.current", 2);
	add_vcpu(&ps, 0, 1, 1);
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 4, &nr), -EINVAL);
	params_free(&ps);

	/* Fields that are no vCPU's, or of the wrong type, are ignored. */
	add_uint(&ps, "vcpu.current", 1);
	add_ull(&ps, "vcpu.x.time", 5);
	add_ull(&ps, "vcpu.99999999.time", 5);
	add_ull(&ps, "vcpu.-1.time", 5);
	add_ull(&ps, "vcpu.3time", 5);
	add_uint(&ps, "vcpu.1.time", 5);
	add_ull(&ps, "vcpu.0.time", 10);
	add_ull(&ps, "vcpu.0.delay", 20);
	add_ull(&ps, "vcpu.4294967296.time", 5);	/* not vCPU 0 */
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 4, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(s[0].key, 0);
	assert_int_equal(s[0].s.run_ns, 10);
	params_free(&ps);

	/* No delay (libvirt < 7.9): counted, but not a good sample. */
	add_uint(&ps, "vcpu.current", 1);
	add_ull(&ps, "vcpu.0.time", 10);
	assert_int_equal(lv_vcpu_stats(ps.p, ps.n, s, 4, &nr), 0);
	assert_int_equal(nr, 1);
	assert_false(s[0].ok);
	params_free(&ps);
}

#define CHANNEL(type, tt, name, source) \
	"<channel type='" type "'>" source \
	"<target type='" tt "' name='" name "' state='disconnected'/>" \
	"<alias name='channel0'/></channel>"
#define DOMAIN(devices) \
	"<domain type='qemu' id='3'><name>web</name><devices>" devices \
	"</devices></domain>"
#define HINT "org.vfold.hint.0"
#define SRC(path) "<source mode='bind' path='" path "'/>"

static void test_hint_path(void **state)
{
	char path[64];

	(void)state;
	/* The second channel is ours; the first is the guest agent's. */
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("unix", "virtio", "org.qemu.guest_agent.0",
			SRC("/run/ga.sock"))
		CHANNEL("unix", "virtio", HINT, SRC("/run/h.sock"))),
		path, sizeof(path)), 0);
	assert_string_equal(path, "/run/h.sock");

	/* Not a unix socket, not virtio, no path, no channel: none. */
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("pty", "virtio", HINT, SRC("/dev/pts/3"))),
		path, sizeof(path)), -ENOENT);
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("unix", "guestfwd", HINT, SRC("/run/h.sock"))),
		path, sizeof(path)), -ENOENT);
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("unix", "virtio", HINT, "<source mode='bind'/>")),
		path, sizeof(path)), -ENOENT);
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("unix", "virtio", HINT, SRC(""))),
		path, sizeof(path)), -ENOENT);
	assert_int_equal(lv_hint_path(DOMAIN(""), path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(lv_hint_path("<domain><devices>", path,
				      sizeof(path)), -EINVAL);
	assert_int_equal(lv_hint_path("", path, sizeof(path)), -EINVAL);
	assert_int_equal(lv_hint_path(DOMAIN(
		CHANNEL("unix", "virtio", HINT, SRC("/run/h.sock"))),
		path, 8), -ENAMETOOLONG);
}

static void test_weight(void **state)
{
	struct params ps = { 0 };

	(void)state;
	add_ull(&ps, "vcpu_period", 100000);
	assert_true(lv_weight(ps.p, ps.n, 1024) == 0);
	add_ull(&ps, VIR_DOMAIN_SCHEDULER_CPU_SHARES, 2048);
	assert_true(lv_weight(ps.p, ps.n, 1024) == 2);
	assert_true(lv_weight(ps.p, ps.n, 100) == 20.48);
	params_free(&ps);

	/* 0 shares is no weight (the policy needs > 0). */
	add_ull(&ps, VIR_DOMAIN_SCHEDULER_CPU_SHARES, 0);
	assert_true(lv_weight(ps.p, ps.n, 1024) == 0);
	params_free(&ps);
}

/* No libvirtd behind the URI: an error, no VM, and again the next time. */
static void test_no_daemon(void **state)
{
	struct backend *b = libvirt_backend_new(
		"qemu:///system?socket=/nonexistent/libvirt-sock");
	struct vm_list l = { 0 };

	(void)state;
	assert_non_null(b);
	assert_int_equal(b->ops->scan(b->priv, &l), -ECONNREFUSED);
	assert_int_equal(l.n, 0);
	assert_int_equal(b->ops->scan(b->priv, &l), -ECONNREFUSED);
	assert_int_equal(l.n, 0);
	backend_free(b);
	free(l.vms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_stats),
		cmocka_unit_test(test_vcpu_stats_bad),
		cmocka_unit_test(test_hint_path),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_no_daemon),
	};

	/* The typed-parameter helpers need libvirt's error storage set up. */
	if (virInitialize() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
