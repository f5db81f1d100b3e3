/* objects: vfold-agent/apply.o vfold-agent/demand.o vfold-agent/port.o tests/fakesys.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's handling of what it reads (vfold-agent/main.c, included
 * with its main() renamed): of the targets read together only the newest
 * is applied and answered, so that a backlog that waited in QEMU for an
 * agent does not walk the guest through the host's past decisions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int agent_main(int argc, char **argv);
#define main agent_main
#include "../vfold-agent/main.c"
#undef main

#include <cmocka.h>

#include "fakesys.h"

#define GOV	"devices/system/cpu/paravirt_governor/"
#define INJECT	"kernel/debug/paravirt_governor/inject_cpu_steal"

struct fixture {
	struct ctx c;
	int host;		/* QEMU's end of the port */
};

/* An agent using @use; with @inject a kernel with STEAL_INJECT. */
static int setup_use(void **state, enum agent_use use, bool inject)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";
	int sv[2];

	char *root = fakesys_new(4, "off");

	if (inject)
		fakesys_steal_inject(root, "");
	/* The fake tree is /proc too: stat, pressure/cpu. */
	f->c.o = (struct opts){ .sysfs_root = root, .proc_root = root,
				.interval_ms = 1000, .use = use };
	if (agent_start(&f->c.a, f->c.o.sysfs_root, f->c.o.use, err,
			sizeof(err)))
		fail_msg("agent_start: %s", err);
	f->c.d.clk_tck = 100;
	/* As after the first interval; test_first_report starts before. */
	f->c.measured = true;
	/* As main() does before its loop. */
	read_cpus(&f->c, &(struct vfold_report){ 0 });
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	port_init(&f->c.p);
	f->c.p.fd = sv[0];
	f->host = sv[1];
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_use(state, AGENT_USE_TARGET, false);
}

static int setup_steal(void **state)
{
	return setup_use(state, AGENT_USE_STEAL, true);
}

static int setup_steal_no_input(void **state)
{
	return setup_use(state, AGENT_USE_STEAL, false);
}

static int setup_step(void **state)
{
	return setup_use(state, AGENT_USE_STEP, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	port_close(&f->c.p);
	close(f->host);
	fakesys_free((char *)f->c.o.sysfs_root);
	free(f);
	return 0;
}

static void send_text(struct fixture *f, const char *text)
{
	size_t n = strlen(text);

	assert_int_equal(write(f->host, text, n), (ssize_t)n);
}

/* Targets seq FIRST..LAST in one write; cpus cycles 1, 2, 3, 4, 1, ... */
static void send_targets(struct fixture *f, unsigned int first,
			 unsigned int last)
{
	char line[128];
	unsigned int s;

	for (s = first; s <= last; s++) {
		snprintf(line, sizeof(line), "{\"v\":1,\"seq\":%u,"
			 "\"type\":\"target\",\"cpus\":%u,\"ttl_ms\":5000}\n",
			 s, s % 4 + 1);
		send_text(f, line);
	}
}

/* The reports the agent sent, decoded: how many, and the last one. */
static unsigned int reports(struct fixture *f, struct vfold_report *last)
{
	char buf[65536], *line, *save = NULL, err[128];
	struct vfold_msg m;
	unsigned int n = 0;
	ssize_t len = read(f->host, buf, sizeof(buf) - 1);

	if (len < 0)
		return 0;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(vfold_msg_decode(line, strlen(line), &m, err,
						  sizeof(err)), 0);
		assert_int_equal(m.type, VFOLD_MSG_REPORT);
		*last = m.report;
		n++;
	}
	return n;
}

/* /proc/stat with @busy ticks of user time and @running tasks. */
static void put_stat(struct fixture *f, unsigned int busy,
		     unsigned int running)
{
	char text[256];

	snprintf(text, sizeof(text), "cpu  %u 0 0 100000 0 0 0 0 0 0\n"
		 "cpu0 0 0 0 0 0 0 0 0 0 0\nprocs_running %u\n", busy,
		 running);
	fakesys_put(f->c.o.proc_root, "stat", text);
}

static void put_psi(struct fixture *f, unsigned long long total)
{
	char text[256], *dir;

	assert_true(asprintf(&dir, "%s/pressure", f->c.o.proc_root) > 0);
	mkdir(dir, 0755);
	free(dir);
	snprintf(text, sizeof(text), "some avg10=1.00 avg60=0.50 "
		 "avg300=0.10 total=%llu\nfull avg10=0.00 avg60=0.00 "
		 "avg300=0.00 total=0\n", total);
	fakesys_put(f->c.o.proc_root, "pressure/cpu", text);
}

/*
 * No report before the first interval's demand is measured, not even
 * the ack of a target; the first one measures against the guest's CPUs
 * (read at start), with the pressure where the guest has PSI.
 */
static void test_first_report(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	f->c.measured = false;
	put_stat(f, 1000, 2);
	put_psi(f, 1000000);
	sample(&f->c);
	send_targets(f, 7, 7);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "4");
	assert_int_equal(reports(f, &r), 0);

	/* 1 s later: 2 CPUs busy (200 ticks at 100 Hz), 0.3 s pressure. */
	put_stat(f, 1200, 2);
	put_psi(f, 1300000);
	sample(&f->c);
	f->c.prev_ms = f->c.cur_ms - 1000;
	f->c.psi_prev_ms = now_ms() - 1000;
	end_interval(&f->c);
	assert_int_equal(reports(f, &r), 1);
	/* Busy 2000; 2 running, one the agent, 4 kept: none waiting. */
	assert_int_equal(r.demand_milli, 2000);
	assert_true(r.has_ack);
	assert_int_equal(r.ack, 7);
	assert_true(r.has_psi);
	assert_in_range(r.psi_some_permille, 295, 300);

	/* An interval without /proc/stat read is no measurement either. */
	fakesys_put(f->c.o.proc_root, "stat", "garbage\n");
	sample(&f->c);
	end_interval(&f->c);
	assert_int_equal(reports(f, &r), 0);
}

/* No PSI in the guest: the report leaves the field out. */
static void test_report_without_psi(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	put_stat(f, 1000, 1);
	sample(&f->c);
	put_stat(f, 1100, 1);
	sample(&f->c);
	f->c.prev_ms = f->c.cur_ms - 1000;
	end_interval(&f->c);
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.demand_milli, 1000);
	assert_false(r.has_psi);
}

/*
 * An older seq is refused and acked so; a hangup (the host left) lets
 * the next host start its numbers anew.
 */
static void test_stale_seq_and_hangup(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;
	int sv[2];

	send_targets(f, 7, 7);
	do_read(&f->c);
	send_targets(f, 5, 5);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "4");
	assert_int_equal(reports(f, &r), 2);
	assert_int_equal(r.ack, 5);
	assert_string_equal(r.ack_error, "stale seq 5 after 7");
	assert_int_equal(f->c.a.stale, 1);

	/* The host hangs up; a new one connects and starts from 0. */
	shutdown(f->host, SHUT_WR);
	do_read(&f->c);
	assert_true(f->c.p.hup);
	assert_false(f->c.a.has_seq);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	close(f->c.p.fd);
	close(f->host);
	f->c.p.fd = sv[0];
	f->host = sv[1];
	send_targets(f, 0, 0);
	do_read(&f->c);
	assert_false(f->c.p.hup);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "1");
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.ack, 0);
	assert_string_equal(r.ack_error, "");
}

/*
 * No target for the last one's ttl_ms: the mode found at start comes
 * back; the next target sets mode hint again and applies.
 */
static void test_silence_restores(void **state)
{
	struct fixture *f = *state;
	uint64_t until;

	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "off\n");
	send_targets(f, 1, 1);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "hint");
	until = f->c.hint_until;
	assert_true(until >= now_ms() + 4000 && until <= now_ms() + 5000);
	check_silence(&f->c, until - 1);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "hint");
	check_silence(&f->c, until);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "off");
	assert_int_equal(f->c.hint_until, 0);
	assert_false(f->c.a.engaged);

	send_targets(f, 2, 2);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "hint");
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "3");
	assert_true(f->c.hint_until > 0);
}

/* The port fails (the device is gone): the mode found comes back. */
static void test_port_gone_restores(void **state)
{
	struct fixture *f = *state;

	send_targets(f, 1, 1);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "hint");
	close(f->c.p.fd);
	/* A directory: every read fails (EISDIR), as a vanished device. */
	f->c.p.fd = open("/", O_RDONLY | O_DIRECTORY);
	assert_true(f->c.p.fd >= 0);
	do_read(&f->c);
	assert_int_equal(f->c.p.fd, -1);
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "off");
	assert_false(f->c.a.has_seq);
	assert_int_equal(f->c.hint_until, 0);
}

static void test_one_target(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	send_targets(f, 7, 7);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "4");
	fakesys_expect(f->c.o.sysfs_root, GOV "hint_ttl_ms", "5000");
	assert_int_equal(reports(f, &r), 1);
	assert_true(r.has_ack);
	assert_int_equal(r.ack, 7);
	assert_string_equal(r.ack_error, "");
}

/* 20 targets that waited for the agent: one write, one report. */
static void test_backlog_newest_only(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	send_targets(f, 0, 19);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "4");
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.ack, 19);
	assert_string_equal(r.ack_error, "");
	assert_false(f->c.pending);
	assert_int_equal(f->c.superseded, 0);

	/* Each later read applies its own. */
	send_targets(f, 20, 21);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "2");
	send_targets(f, 22, 22);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "3");
	assert_int_equal(reports(f, &r), 2);
	assert_int_equal(r.ack, 22);
}

/* A bad line among them is still counted; the newest target wins. */
static void test_backlog_with_bad_line(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	send_targets(f, 0, 2);
	send_text(f, "{\"v\":2}\n");
	send_targets(f, 3, 4);
	do_read(&f->c);
	assert_int_equal(f->c.bad, 1);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "1");
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.ack, 4);
}

/*
 * The newest is the host's wish; if it cannot be applied, nothing
 * changes, not even to an older target of the backlog.
 */
static void test_backlog_newest_invalid(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	send_targets(f, 0, 0);
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "1");
	send_targets(f, 1, 2);
	send_text(f, "{\"v\":1,\"seq\":3,\"type\":\"target\",\"cpus\":9,"
		  "\"ttl_ms\":5000}\n");
	do_read(&f->c);
	fakesys_expect(f->c.o.sysfs_root, GOV "hint", "1");
	assert_int_equal(reports(f, &r), 2);
	assert_int_equal(r.ack, 3);
	assert_string_equal(r.ack_error, "cpus 9 not in 1..4 online CPUs");
}

/* Target @seq with a steal of "@steal" (a JSON array's inside). */
static void send_steal(struct fixture *f, unsigned int seq, const char *steal)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"v\":1,\"seq\":%u,\"type\":"
		 "\"target\",\"cpus\":1,\"ttl_ms\":5000,\"steal\":[%s]}\n",
		 seq, steal);
	send_text(f, line);
}

/*
 * --use steal: a target's steal goes in, mode steal; no target for its
 * ttl_ms: the steal is zeroed and the mode found comes back; the next
 * target starts again.
 */
static void test_steal_lapse_restores(void **state)
{
	struct fixture *f = *state;
	const char *root = f->c.o.sysfs_root;
	struct vfold_report r;
	uint64_t until;

	send_steal(f, 1, "200,0,700");
	do_read(&f->c);
	fakesys_expect(root, INJECT, "0 200\n1 0\n2 700\n3 0\n");
	fakesys_expect(root, GOV "mode", "steal");
	fakesys_expect(root, GOV "hint", "0\n");
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.ack, 1);
	assert_string_equal(r.ack_error, "");
	until = f->c.hint_until;
	assert_true(until >= now_ms() + 4000 && until <= now_ms() + 5000);
	check_silence(&f->c, until - 1);
	fakesys_expect(root, GOV "mode", "steal");
	check_silence(&f->c, until);
	fakesys_expect(root, INJECT, "0 0\n2 0\n");
	fakesys_expect(root, GOV "mode", "off");
	assert_int_equal(f->c.hint_until, 0);
	assert_false(agent_holds(&f->c.a));

	send_steal(f, 2, "0,0,0,300");
	do_read(&f->c);
	fakesys_expect(root, INJECT, "0 0\n1 0\n2 0\n3 300\n");
	fakesys_expect(root, GOV "mode", "steal");
	assert_true(f->c.hint_until > 0);
}

/* The port fails: the steal is zeroed and the mode restored at once. */
static void test_steal_port_gone(void **state)
{
	struct fixture *f = *state;
	const char *root = f->c.o.sysfs_root;

	send_steal(f, 1, "1000,1000,1000,1000");
	do_read(&f->c);
	fakesys_expect(root, GOV "mode", "steal");
	close(f->c.p.fd);
	f->c.p.fd = open("/", O_RDONLY | O_DIRECTORY);
	assert_true(f->c.p.fd >= 0);
	do_read(&f->c);
	assert_int_equal(f->c.p.fd, -1);
	fakesys_expect(root, INJECT, "0 0\n1 0\n2 0\n3 0\n");
	fakesys_expect(root, GOV "mode", "off");
	assert_false(agent_holds(&f->c.a));
}

/* No inject_cpu_steal: the target is acked with why, nothing changes. */
static void test_steal_no_input(void **state)
{
	struct fixture *f = *state;
	struct vfold_report r;

	send_steal(f, 4, "500,500");
	do_read(&f->c);
	assert_int_equal(reports(f, &r), 1);
	assert_int_equal(r.ack, 4);
	assert_string_equal(r.ack_error, "no steal input "
			    "(CONFIG_SCHED_PARAVIRT_STEAL_INJECT)");
	assert_string_equal(r.mode, "off");
	fakesys_expect(f->c.o.sysfs_root, GOV "mode", "off\n");
	assert_int_equal(f->c.hint_until, 0);
}

/* --use step: the hint by the steal; a lapse restores as for targets. */
static void test_step_loop(void **state)
{
	struct fixture *f = *state;
	const char *root = f->c.o.sysfs_root;
	struct vfold_report r;

	send_steal(f, 1, "60,60,60,60");
	do_read(&f->c);
	fakesys_expect(root, GOV "hint", "3");
	fakesys_expect(root, GOV "mode", "hint");
	assert_int_equal(reports(f, &r), 1);
	assert_string_equal(r.ack_error, "");
	check_silence(&f->c, f->c.hint_until);
	fakesys_expect(root, GOV "mode", "off");
}

/* parse_args() on @args (NULL-terminated): its result and options. */
static int parse(struct opts *o, const char *arg, ...)
{
	char *argv[8] = { "vfold-agent" };
	int argc = 1;
	va_list ap;

	va_start(ap, arg);
	for (; arg && argc < 7; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	optind = 0;
	return parse_args(argc, argv, o);
}

/* --use: target by default, steal or step; anything else a usage error. */
static void test_use_option(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL), 0);
	assert_int_equal(o.use, AGENT_USE_TARGET);
	assert_int_equal(parse(&o, "--use", "steal", NULL), 0);
	assert_int_equal(o.use, AGENT_USE_STEAL);
	assert_int_equal(parse(&o, "-u", "step", NULL), 0);
	assert_int_equal(o.use, AGENT_USE_STEP);
	assert_int_equal(parse(&o, "--use=target", NULL), 0);
	assert_int_equal(o.use, AGENT_USE_TARGET);
	assert_int_equal(parse(&o, "--use", "hint", NULL), -1);
	assert_int_equal(parse(&o, "--use", "", NULL), -1);
	assert_int_equal(parse(&o, "--use", NULL), -1);
	/* Long options in full: "--interval" is no --interval-ms. */
	assert_int_equal(parse(&o, "--interval", "500", NULL), -1);
	assert_int_equal(parse(&o, "--us=steal", NULL), -1);
	assert_int_equal(parse(&o, "--interval-ms", "500", "--verbose",
			       NULL), 0);
	assert_int_equal(o.interval_ms, 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backlog_newest_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backlog_with_bad_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_newest_invalid,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_report, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_report_without_psi, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stale_seq_and_hangup,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence_restores, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_port_gone_restores, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_steal_lapse_restores,
						setup_steal, teardown),
		cmocka_unit_test_setup_teardown(test_steal_port_gone,
						setup_steal, teardown),
		cmocka_unit_test_setup_teardown(test_steal_no_input,
						setup_steal_no_input, teardown),
		cmocka_unit_test_setup_teardown(test_step_loop, setup_step,
						teardown),
		cmocka_unit_test(test_use_option),
	};

	return cmocka_run_group_tests_name("agent_main", tests, NULL, NULL);
}
