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
#include <sys/socket.h>
#include <unistd.h>

int agent_main(int argc, char **argv);
#define main agent_main
#include "../vfold-agent/main.c"
#undef main

#include <cmocka.h>

#include "fakesys.h"

#define GOV	"devices/system/cpu/paravirt_governor/"

struct fixture {
	struct ctx c;
	int host;		/* QEMU's end of the port */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";
	int sv[2];

	f->c.o = (struct opts){ .sysfs_root = fakesys_new(4, "off"),
				.proc_root = "/proc", .interval_ms = 1000 };
	if (agent_start(&f->c.a, f->c.o.sysfs_root, err, sizeof(err)))
		fail_msg("agent_start: %s", err);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	port_init(&f->c.p);
	f->c.p.fd = sv[0];
	f->host = sv[1];
	*state = f;
	return 0;
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
	};

	return cmocka_run_group_tests_name("agent_main", tests, NULL, NULL);
}
