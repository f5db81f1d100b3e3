/* objects: vfold-hintd/backend.o vfold-hintd/cgroup.o vfold-hintd/hint.o vfold-hintd/libvirt.o vfold-hintd/measure.o vfold-hintd/metrics.o vfold-hintd/options.o vfold-hintd/output.o vfold-hintd/policy.o vfold-hintd/qmp.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's main loop pieces (vfold-hintd/main.c, included with its
 * main() renamed), with this test as the QEMU end of the hint sockets:
 * targets go only to guests whose agent reports.
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int hintd_main(int argc, char **argv);
#define main hintd_main
#include "../vfold-hintd/main.c"
#undef main

#include <cmocka.h>

#define NR_VMS	2
#define INTERVAL_NS	1000000000ull

struct fixture {
	char dir[64];
	char path[NR_VMS][96];
	int listener[NR_VMS];
	int qemu[NR_VMS];	/* QEMU's end of each hint socket, or -1 */
	struct vm *vms[NR_VMS];
	struct daemon d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i;

	signal(SIGPIPE, SIG_IGN);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_hintd_main.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->d.o.interval_ms = 1000;
	f->d.o.ttl_ms = 10000;
	policy_defaults(&f->d.o.pp);
	for (i = 0; i < NR_VMS; i++) {
		struct vm *vm = calloc(1, sizeof(*vm));

		snprintf(f->path[i], sizeof(f->path[i]), "%s/%d.hint", f->dir,
			 i);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path[i]);
		f->listener[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(f->listener[i] >= 0);
		assert_int_equal(bind(f->listener[i], (struct sockaddr *)&sa,
				      sizeof(sa)), 0);
		assert_int_equal(listen(f->listener[i], 4), 0);
		f->qemu[i] = -1;
		snprintf(vm->info.name, sizeof(vm->info.name), "vm%d", i);
		vm->info.nr_vcpus = 4;
		vm->pol.target = 2;
		hint_init(&vm->hint, vm->info.name, f->path[i]);
		f->vms[i] = vm;
	}
	f->d.vms = f->vms;
	f->d.n = NR_VMS;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < NR_VMS; i++) {
		hint_close(&f->vms[i]->hint);
		free(f->vms[i]);
		if (f->qemu[i] >= 0)
			close(f->qemu[i]);
		close(f->listener[i]);
		unlink(f->path[i]);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* QEMU's end of VM @i's socket, accepted once the daemon connected. */
static int qemu_end(struct fixture *f, int i)
{
	if (f->qemu[i] < 0) {
		assert_true(f->vms[i]->hint.fd >= 0);
		f->qemu[i] = accept(f->listener[i], NULL, NULL);
		assert_true(f->qemu[i] >= 0);
	}
	return f->qemu[i];
}

/* The guest of VM @i reports; the daemon reads it @age intervals ago. */
static void agent_reports(struct fixture *f, int i, unsigned int age)
{
	const char *line = "{\"v\":1,\"seq\":0,\"type\":\"report\","
		"\"nr_cpus\":4,\"kept_cpus\":4,\"mask\":\"\",\"mode\":\"hint\","
		"\"demand_milli\":1000}\n";
	struct vm *vm = f->vms[i];

	assert_int_equal(write(qemu_end(f, i), line, strlen(line)),
			 (ssize_t)strlen(line));
	hint_receive(&vm->hint, now_ns());
	assert_true(vm->hint.has_report);
	vm->hint.report_ns -= age * INTERVAL_NS;
}

static uint32_t last_ttl_ms;
static struct vfold_target last_target;

/*
 * The targets VM @i's QEMU got so far: how many, the cpus of the last
 * (its ttl_ms in last_ttl_ms, itself in last_target).
 */
static unsigned int targets(struct fixture *f, int i, unsigned int *cpus)
{
	char buf[65536], *line, *save = NULL;
	struct vfold_msg m;
	unsigned int n = 0;
	ssize_t len;

	len = recv(qemu_end(f, i), buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (len < 0)
		return 0;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(vfold_msg_decode(line, strlen(line), &m, NULL,
						  0), 0);
		assert_int_equal(m.type, VFOLD_MSG_TARGET);
		*cpus = m.target.cpus;
		last_ttl_ms = m.target.ttl_ms;
		last_target = m.target;
		n++;
	}
	return n;
}

/*
 * No agent: the socket is connected (for its reports) but no target is
 * sent, interval after interval; the first report starts them.
 */
static void test_no_target_without_agent(void **state)
{
	struct fixture *f = *state;
	unsigned int cpus = 0, k;

	for (k = 0; k < 10; k++)
		send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 0);
	assert_false(f->vms[0]->agent_alive);
	agent_reports(f, 0, 0);
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 1);
	assert_int_equal(cpus, 2);
	assert_true(f->vms[0]->agent_alive);
	assert_int_equal(targets(f, 1, &cpus), 0);
}

/* An agent that stopped reporting gets targets no more, by the policy. */
static void test_silent_agent(void **state)
{
	struct fixture *f = *state;
	unsigned int cpus = 0;

	send_targets(&f->d, false);
	agent_reports(f, 0, 3);		/* the oldest report that counts */
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 1);
	agent_reports(f, 0, 4);
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 0);
	assert_false(f->vms[0]->agent_alive);
	/* The staleness is the policy's own parameter, not a copy of it. */
	f->d.o.pp.stale_after = 5;
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 1);
}

/* SIGTERM: all vCPUs to every guest whose agent is alive, no other. */
static void test_unfold_only_alive(void **state)
{
	struct fixture *f = *state;
	unsigned int cpus = 0;

	send_targets(&f->d, false);
	agent_reports(f, 0, 1);
	qemu_end(f, 1);
	unfold_all(&f->d);
	assert_int_equal(targets(f, 0, &cpus), 1);
	assert_int_equal(cpus, 4);
	assert_int_equal(targets(f, 1, &cpus), 0);
}

/*
 * parse_args() on @args (NULL-terminated) in a child: its exit status
 * (2: a usage error), and on success the ttl_ms it chose.
 */
static int parse_ttl(unsigned int *ttl, const char *arg, ...)
{
	char *argv[16] = { "vfold-hintd", "--qmp-dir", "/nonexistent" };
	int argc = 3, status, pfd[2];
	struct opts o;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	for (; arg && argc < 15; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		memset(&o, 0, sizeof(o));
		freopen("/dev/null", "w", stderr);
		optind = 0;
		parse_args(&o, argc, argv);
		_exit(write(pfd[1], &o.ttl_ms, sizeof(o.ttl_ms)) ==
		      sizeof(o.ttl_ms) ? 0 : 99);
	}
	close(pfd[1]);
	*ttl = 0;
	if (read(pfd[0], ttl, sizeof(*ttl)) != sizeof(*ttl))
		*ttl = 0;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* --ttl-ms: 1000..3600000, more than 2 intervals; the default as before. */
static void test_ttl_option(void **state)
{
	unsigned int ttl;

	(void)state;
	assert_int_equal(parse_ttl(&ttl, NULL), 0);
	assert_int_equal(ttl, 10000);
	assert_int_equal(parse_ttl(&ttl, "--interval-ms", "3000", NULL), 0);
	assert_int_equal(ttl, 15000);
	assert_int_equal(parse_ttl(&ttl, "--interval-ms", "600000", NULL), 0);
	assert_int_equal(ttl, 3000000);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "2001", NULL), 0);
	assert_int_equal(ttl, 2001);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "3600000",
				   "--interval-ms", "600000", NULL), 0);
	assert_int_equal(ttl, 3600000);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "1000", "--interval-ms",
				   "100", NULL), 0);
	assert_int_equal(ttl, 1000);

	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "999", "--interval-ms",
				   "100", NULL), 2);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "3600001", NULL), 2);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "2000", NULL), 2);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "5000", "--interval-ms",
				   "2500", NULL), 2);
	/* Checked against the interval whatever the order. */
	assert_int_equal(parse_ttl(&ttl, "--interval-ms", "2500", "--ttl-ms",
				   "5000", NULL), 2);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "x", NULL), 2);
	assert_int_equal(parse_ttl(&ttl, "--ttl-ms", "-5000", NULL), 2);
}

/* Each target carries the ttl_ms chosen. */
static void test_ttl_sent(void **state)
{
	struct fixture *f = *state;
	unsigned int cpus = 0;

	f->d.o.ttl_ms = 4321;
	send_targets(&f->d, false);
	agent_reports(f, 0, 0);
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 1);
	assert_int_equal(last_ttl_ms, 4321);
}

/*
 * Each target carries its VM's steal of the interval; a VM without one
 * (too many vCPUs) sends none; at exit the steal is 0 for all.
 */
static void test_steal_sent(void **state)
{
	static const uint16_t steal[] = { 500, 20, 0, 1000 };
	struct fixture *f = *state;
	struct usage *u = &f->vms[0]->use;
	unsigned int cpus = 0;

	u->has_steal = true;
	u->nr_steal = 4;
	memcpy(u->steal, steal, sizeof(steal));
	send_targets(&f->d, false);
	agent_reports(f, 0, 0);
	agent_reports(f, 1, 0);
	send_targets(&f->d, false);
	assert_int_equal(targets(f, 0, &cpus), 1);
	assert_int_equal(cpus, 2);
	assert_true(last_target.has_steal);
	assert_int_equal(last_target.nr_steal, 4);
	assert_memory_equal(last_target.steal, steal, sizeof(steal));
	assert_int_equal(targets(f, 1, &cpus), 1);
	assert_false(last_target.has_steal);

	unfold_all(&f->d);
	assert_int_equal(targets(f, 0, &cpus), 1);
	assert_int_equal(cpus, 4);
	assert_true(last_target.has_steal);
	assert_int_equal(last_target.nr_steal, 4);
	assert_int_equal(last_target.steal[0], 0);
	assert_int_equal(last_target.steal[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_target_without_agent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_agent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unfold_only_alive, setup,
						teardown),
		cmocka_unit_test(test_ttl_option),
		cmocka_unit_test_setup_teardown(test_ttl_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steal_sent, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("hintd_main", tests, NULL, NULL);
}
