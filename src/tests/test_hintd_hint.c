/* objects: vfold-hintd/hint.o vfold-hintd/output.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's hint channel, with this test as the QEMU end of the
 * chardev socket: targets out, reports in, bad lines, hangups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hint.h"

static char dir[64], path[96];
static int listener = -1;

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_hintd_hint.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/vm.hint", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return listen(listener, 4);
}

static int teardown(void **state)
{
	(void)state;
	close(listener);
	unlink(path);
	return rmdir(dir);
}

/* Connects @h and returns the QEMU end. */
static int connect_pair(struct hint *h)
{
	int fd;

	hint_init(h, "vm", path);
	assert_int_equal(hint_connect(h), 0);
	fd = accept(listener, NULL, NULL);
	assert_true(fd >= 0);
	return fd;
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void put_report(int fd, uint32_t demand_milli, const char *ack_error)
{
	struct vfold_msg m = {
		.seq = 7,
		.type = VFOLD_MSG_REPORT,
		.report = {
			.nr_cpus = 4, .kept_cpus = 2, .mode = "hint",
			.demand_milli = demand_milli,
			.has_ack = ack_error != NULL, .ack = 3,
		},
	};
	char line[VFOLD_MSG_MAX];

	if (ack_error)
		snprintf(m.report.ack_error, sizeof(m.report.ack_error), "%s",
			 ack_error);
	assert_true(vfold_msg_encode(&m, line, sizeof(line)) > 0);
	put(fd, line);
}

/* Reads one line the daemon sent and decodes it. */
static void get_target(int fd, struct vfold_msg *m)
{
	char line[VFOLD_MSG_MAX], err[96];
	size_t len = 0;

	while (len < sizeof(line) - 1) {
		assert_int_equal(read(fd, line + len, 1), 1);
		if (line[len] == '\n')
			break;
		len++;
	}
	assert_int_equal(vfold_msg_decode(line, len, m, err, sizeof(err)), 0);
	assert_int_equal(m->type, VFOLD_MSG_TARGET);
}

static void test_targets(void **state)
{
	struct timespec ts;
	struct vfold_msg m;
	struct hint h;
	uint32_t clock_ms, first;
	int fd;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	clock_ms = (uint32_t)((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	fd = connect_pair(&h);
	hint_send_target(&h, 2, 10000, NULL, 0);
	hint_send_target(&h, 4, 5000, NULL, 0);
	get_target(fd, &m);
	assert_int_equal(m.target.cpus, 2);
	assert_int_equal(m.target.ttl_ms, 10000);
	/* Numbered from the wall clock in ms: a restart starts above. */
	first = m.seq;
	assert_true((uint32_t)(first - clock_ms) < 5000);
	get_target(fd, &m);
	assert_int_equal(m.target.cpus, 4);
	assert_int_equal(m.seq, first + 1);
	assert_int_equal(h.dropped, 0);
	/* An invalid target (cpus 0) is not sent. */
	hint_send_target(&h, 0, 10000, NULL, 0);
	assert_int_equal(hint_events(&h), POLLIN);
	close(fd);
	hint_close(&h);
}

/*
 * A target carries the steal given, vCPU by vCPU; one too long for a
 * line goes without it.
 */
static void test_target_steal(void **state)
{
	static const uint16_t steal[] = { 310, 295, 0, 1000 };
	uint16_t busy[VFOLD_STEAL_MAX];
	struct vfold_msg m;
	struct hint h;
	unsigned int i;
	int fd;

	(void)state;
	fd = connect_pair(&h);
	hint_send_target(&h, 2, 10000, steal, 4);
	get_target(fd, &m);
	assert_int_equal(m.target.cpus, 2);
	assert_true(m.target.has_steal);
	assert_int_equal(m.target.nr_steal, 4);
	assert_memory_equal(m.target.steal, steal, sizeof(steal));

	hint_send_target(&h, 3, 10000, NULL, 0);
	get_target(fd, &m);
	assert_false(m.target.has_steal);

	for (i = 0; i < VFOLD_STEAL_MAX; i++)
		busy[i] = 1000;
	hint_send_target(&h, 4, 10000, busy, VFOLD_STEAL_MAX);
	get_target(fd, &m);
	assert_int_equal(m.target.cpus, 4);
	assert_false(m.target.has_steal);
	assert_int_equal(h.steal_omitted, 1);
	close(fd);
	hint_close(&h);
}

static void test_reports(void **state)
{
	struct hint h;
	int fd;

	(void)state;
	fd = connect_pair(&h);
	hint_receive(&h, 1);
	assert_false(h.has_report);

	put_report(fd, 2500, NULL);
	hint_receive(&h, 5);
	assert_true(h.has_report);
	assert_int_equal(h.report.demand_milli, 2500);
	assert_int_equal(h.report_ns, 5);
	assert_false(h.report.has_ack);

	/* Split across reads; with a refused target acked. */
	put(fd, "{\"v\":1,\"seq\":8,\"type\":\"report\",\"nr_cpus\":4,");
	hint_receive(&h, 6);
	assert_int_equal(h.report_ns, 5);
	put(fd, "\"kept_cpus\":4,\"mask\":\"\",\"mode\":\"hint\",\"demand_milli\":"
		"900,\"ack\":3,\"ack_error\":\"cpus 6 > 4 online CPUs\"}\n");
	hint_receive(&h, 7);
	assert_int_equal(h.report.demand_milli, 900);
	assert_int_equal(h.report_ns, 7);
	assert_string_equal(h.report.ack_error, "cpus 6 > 4 online CPUs");
	assert_int_equal(h.reports, 2);
	assert_int_equal(h.bad, 0);
	close(fd);
	hint_close(&h);
}

/* Bad lines are counted and change nothing. */
static void test_bad_lines(void **state)
{
	char longline[1500];
	struct hint h;
	int fd;

	(void)state;
	fd = connect_pair(&h);
	put_report(fd, 1000, NULL);
	hint_receive(&h, 1);

	put(fd, "not json\n");
	put(fd, "{\"v\":2,\"seq\":1,\"type\":\"report\"}\n");
	put(fd, "{\"v\":1,\"seq\":1,\"type\":\"target\",\"cpus\":1,"
		"\"ttl_ms\":1000}\n");
	put(fd, "{\"v\":1,\"seq\":9,\"type\":\"report\",\"nr_cpus\":4,"
		"\"kept_cpus\":4,\"mask\":\"\",\"mode\":\"hint\","
		"\"demand_milli\":99999}\n");
	memset(longline, 'x', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	put(fd, longline);
	put(fd, "\n");
	hint_receive(&h, 2);
	assert_int_equal(h.bad, 5);
	assert_int_equal(h.reports, 1);
	assert_int_equal(h.report.demand_milli, 1000);
	assert_int_equal(h.report_ns, 1);

	/* And the next good one still counts. */
	put_report(fd, 3000, NULL);
	hint_receive(&h, 3);
	assert_int_equal(h.report.demand_milli, 3000);
	close(fd);
	hint_close(&h);
}

/* QEMU closes (the VM stopped, or another client): reconnect. */
static void test_hangup_and_reconnect(void **state)
{
	struct vfold_msg m;
	struct hint h, none;
	int fd;

	(void)state;
	fd = connect_pair(&h);
	close(fd);
	hint_receive(&h, 1);
	assert_int_equal(h.fd, -1);
	/* Not connected: nothing. */
	hint_send_target(&h, 2, 10000, NULL, 0);
	assert_int_equal(hint_connect(&h), 0);
	fd = accept(listener, NULL, NULL);
	hint_send_target(&h, 3, 10000, NULL, 0);
	get_target(fd, &m);
	assert_int_equal(m.target.cpus, 3);
	close(fd);
	hint_close(&h);

	hint_init(&none, "vm", "/nonexistent/vm.hint");
	assert_int_equal(hint_connect(&none), -ENOENT);
	assert_int_equal(hint_connect(&none), -ENOENT);	/* logged once */
	assert_int_equal(none.fd, -1);
}

/*
 * A guest that never reads (no agent: QEMU stops reading the socket):
 * sends never block, targets are dropped, and only whole lines go out.
 */
static void test_never_read(void **state)
{
	struct vfold_msg m;
	struct hint h;
	uint32_t first;
	unsigned int i;
	int fd;

	(void)state;
	fd = connect_pair(&h);
	first = h.seq;
	for (i = 0; i < 100000 && !h.dropped; i++)
		hint_send_target(&h, 1 + i % 4, 10000, NULL, 0);
	assert_true(h.dropped > 0);
	/* What was sent is whole lines. */
	for (i = 0; i < 50; i++) {
		get_target(fd, &m);
		assert_int_equal(m.target.cpus, 1 + (m.seq - first) % 4);
	}
	close(fd);
	hint_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_target_steal),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_hangup_and_reconnect),
		cmocka_unit_test(test_never_read),
	};

	return cmocka_run_group_tests_name("hintd_hint", tests, setup,
					   teardown);
}
