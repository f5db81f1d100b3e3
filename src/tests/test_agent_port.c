/* objects: vfold-agent/port.o tests/fakesys.o */
// SPDX-License-Identifier: GPL-2.0
/* Finding the hint port, reading lines from it and sending on it. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"
#include "port.h"

static void port_dir(const char *root, const char *name)
{
	char *d;

	assert_true(asprintf(&d, "%s/class/virtio-ports/%s", root, name) > 0);
	assert_int_equal(mkdir(d, 0755), 0);
	free(d);
}

static void test_find(void **state)
{
	char *root = fakesys_new(2, NULL), path[PATH_MAX];

	(void)state;
	assert_int_equal(port_find(root, VFOLD_PORT_NAME, path, sizeof(path)),
			 -ENOENT);
	port_dir(root, "vport0p1");
	port_dir(root, "vport0p2");
	port_dir(root, "vport0p3");	/* without a name file */
	fakesys_put(root, "class/virtio-ports/vport0p1/name",
		    "org.qemu.guest_agent.0\n");
	assert_int_equal(port_find(root, VFOLD_PORT_NAME, path, sizeof(path)),
			 -ENOENT);
	fakesys_put(root, "class/virtio-ports/vport0p2/name",
		    VFOLD_PORT_NAME "\n");
	assert_int_equal(port_find(root, VFOLD_PORT_NAME, path, sizeof(path)),
			 0);
	assert_string_equal(path, "/dev/vport0p2");
	/* "/dev/vport0p2" and its NUL need 14 bytes. */
	assert_int_equal(port_find(root, VFOLD_PORT_NAME, path, 13),
			 -ENAMETOOLONG);
	assert_int_equal(port_find("/nonexistent", VFOLD_PORT_NAME, path,
				   sizeof(path)), -ENOENT);
	fakesys_free(root);
}

struct got {
	int n;
	int ret[8];
	char line[8][VFOLD_MSG_MAX];
};

static void collect(void *ctx, int ret, const char *line)
{
	struct got *g = ctx;

	assert_true(g->n < 8);
	g->ret[g->n] = ret;
	strcpy(g->line[g->n], line ? line : "");
	g->n++;
}

/* A port on one end of a socket pair, the "host" on the other. */
static void pair(struct port *p, int *host)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	port_init(p);
	p->fd = sv[0];
	*host = sv[1];
}

static void test_read(void **state)
{
	struct got g = { 0 };
	struct port p;
	int host;

	(void)state;
	pair(&p, &host);
	assert_int_equal(port_read(&p, collect, &g), 0);
	assert_int_equal(g.n, 0);
	assert_false(p.hup);
	assert_int_equal(write(host, "a\nb", 3), 3);
	assert_int_equal(port_read(&p, collect, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.line[0], "a");
	assert_int_equal(write(host, "c\n", 2), 2);
	assert_int_equal(port_read(&p, collect, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.line[1], "bc");
	/* The host side goes away: end of file, no error. */
	close(host);
	assert_int_equal(port_read(&p, collect, &g), 0);
	assert_true(p.hup);
	assert_int_equal(g.n, 2);
	port_close(&p);
	assert_int_equal(p.fd, -1);
}

static void test_send(void **state)
{
	char buf[4096];
	struct port p;
	int host, sent = 0, ret;

	(void)state;
	pair(&p, &host);
	assert_int_equal(port_send(&p, "x\n", 2), 0);
	assert_int_equal(read(host, buf, sizeof(buf)), 2);
	/* Fill the socket: lines are dropped whole once it is full. */
	memset(buf, 'y', 1000);
	buf[999] = '\n';
	while ((ret = port_send(&p, buf, 1000)) == 0)
		sent++;
	assert_int_equal(ret, -EAGAIN);
	assert_true(sent > 0);
	assert_int_equal(port_send(&p, buf, VFOLD_MSG_MAX + 1), -EMSGSIZE);
	/* What was sent arrives as whole lines, the dropped not at all. */
	{
		size_t total = 0;
		ssize_t n;

		while ((n = read(host, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		/* A rest held back goes out ahead of the next line. */
		assert_int_equal(port_send(&p, "z\n", 2), 0);
		while ((n = read(host, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		assert_int_equal(total, (size_t)sent * 1000 + 2);
	}
	close(host);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(port_send(&p, "x\n", 2), -EPIPE);
	port_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_send),
	};

	return cmocka_run_group_tests_name("agent_port", tests, NULL, NULL);
}
