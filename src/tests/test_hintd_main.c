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
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/* A signal that comes after the check of stop, before the wait, ends it. */
static void test_signal_before_wait(void **state)
{
	struct sigaction old_term, old_int, old_hup;
	struct daemon d = { .scan_err = 0 };
	sigset_t saved, term;
	uint64_t t0;

	(void)state;
	sigprocmask(SIG_SETMASK, NULL, &saved);
	sigaction(SIGTERM, NULL, &old_term);
	sigaction(SIGINT, NULL, &old_int);
	sigaction(SIGHUP, NULL, &old_hup);
	setup_signals(&d);
	/* Blocked as between the check and the wait: it stays pending. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	stop = 0;
	raise(SIGTERM);
	assert_int_equal(stop, 0);
	t0 = now_ns();
	wait_until(&d, t0 + 5 * INTERVAL_NS);
	assert_true(now_ns() - t0 < INTERVAL_NS);
	assert_int_equal(stop, 1);
	stop = 0;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * hintd_main(@argv) in a child, its output thrown away, its signals as
 * a new process has them (whatever a failed test left behind).
 */
static pid_t spawn(char **argv)
{
	int argc = 0;
	sigset_t none;
	pid_t pid;

	while (argv[argc])
		argc++;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* _FORTIFY_SOURCE marks freopen() warn_unused_result. */
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(127);
		optind = 0;
		_exit(hintd_main(argc, argv));
	}
	return pid;
}

/* Child @pid's exit status; -1 if it did not exit, or not by itself. */
static int reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * A SIGHUP while the options are read (the config file) does not kill
 * the daemon: it is a reload, once it runs. A usage error is exit 2.
 */
static void test_sighup_at_start(void **state)
{
	char dir[] = "/tmp/test_hintd_main.XXXXXX", fifo[64], conf[128];
	char *argv[] = { "vfold-hintd", "--config", fifo, "--interval-ms",
			 "10", "--once", "--dry-run", NULL };
	char *bad[] = { "vfold-hintd", "--qmp-dir", dir, "--bogus", NULL };
	char file[64], vm[64];
	int fd, status = 0, i;
	FILE *f;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/conf", dir);
	snprintf(file, sizeof(file), "%s/conf.new", dir);
	/* Not a socket: no VM, but a directory not empty. */
	snprintf(vm, sizeof(vm), "%s/x.qmp", dir);
	close(open(vm, O_WRONLY | O_CREAT, 0600));
	snprintf(conf, sizeof(conf), "[hintd]\nqmp-dir = %s\n", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = spawn(argv);
	/* Opened: the daemon is reading its options. */
	fd = open(fifo, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	/* The reload, once it runs, reads a file. */
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(conf, f);
	fclose(f);
	assert_int_equal(rename(file, fifo), 0);
	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("vfold-hintd --once did not end");
	}
	if (!WIFEXITED(status))
		fail_msg("vfold-hintd killed by signal %d",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(reap(spawn(bad)), 2);
	unlink(fifo);
	unlink(vm);
	rmdir(dir);
}

/*
 * The metrics file does not outlive the daemon's writing it: a reload
 * that names another file, or none, removes the old one; so does the
 * exit (SIGTERM).
 */
static void test_metrics_removed(void **state)
{
	char dir[] = "/tmp/test_hintd_main.XXXXXX", conf[64], a[64], b[64];
	char text[256];
	char *argv[] = { "vfold-hintd", "--config", conf, NULL };
	char *run_argv[] = { "vfold-hintd", "--qmp-dir", dir, "--dry-run",
			     "--interval-ms", "10", "--metrics-file", b,
			     NULL };
	struct daemon d = { .scan_err = 0 };
	struct stat sb;
	FILE *f;
	pid_t pid;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(a, sizeof(a), "%s/a.prom", dir);
	snprintf(b, sizeof(b), "%s/b.prom", dir);
	/* Not a socket: no VM, but a directory not empty. */
	snprintf(text, sizeof(text), "%s/x.qmp", dir);
	close(open(text, O_WRONLY | O_CREAT, 0600));
#define CONF(...) do {							\
		f = fopen(conf, "w");					\
		assert_non_null(f);					\
		fprintf(f, "[hintd]\nqmp-dir = %s\n", dir);		\
		fprintf(f, __VA_ARGS__);				\
		fclose(f);						\
	} while (0)
	CONF("metrics-file = %s\n", a);
	optind = 0;
	parse_args(&d.o, 3, argv);
	write_metrics(&d);
	assert_int_equal(stat(a, &sb), 0);
	CONF("metrics-file = %s\n", b);
	reload_config(&d);
	assert_int_equal(stat(a, &sb), -1);
	write_metrics(&d);
	assert_int_equal(stat(b, &sb), 0);
	/* The same file again: kept. */
	reload_config(&d);
	assert_int_equal(stat(b, &sb), 0);
	CONF("%s", "");
	reload_config(&d);
	assert_int_equal(stat(b, &sb), -1);
	assert_null(d.o.metrics_file);
	opts_free(&d.o);
#undef CONF

	pid = spawn(run_argv);
	for (i = 0; i < 500 && stat(b, &sb); i++)
		usleep(10000);
	snprintf(text, sizeof(text), "%s written", b);
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("no %s", text);
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(reap(pid), 0);
	assert_int_equal(stat(b, &sb), -1);
	unlink(conf);
	snprintf(text, sizeof(text), "%s/x.qmp", dir);
	unlink(text);
	rmdir(dir);
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
		cmocka_unit_test_setup_teardown(test_ttl_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steal_sent, setup,
						teardown),
		cmocka_unit_test(test_signal_before_wait),
		cmocka_unit_test(test_sighup_at_start),
		cmocka_unit_test(test_metrics_removed),
	};

	return cmocka_run_group_tests_name("hintd_main", tests, NULL, NULL);
}
