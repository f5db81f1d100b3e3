/* objects: vfold-hintd/qmp.o vfold-hintd/backend.o vfold-hintd/output.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's QMP backend: replies parsed from JSON text (as QEMU 7.2
 * writes them), and whole conversations with a fake QEMU monitor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qmp.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, " \
	"\"minor\": 2, \"major\": 7}, \"package\": \"Debian\"}, " \
	"\"capabilities\": [\"oob\"]}}\r\n"

/* query-cpus-fast of a 4-vCPU x86 guest; "props" has a thread-id too. */
#define CPU(idx, tid) "{\"thread-id\": " #tid ", \"props\": {\"core-id\": " \
	#idx ", \"thread-id\": 0, \"socket-id\": 0}, \"qom-path\": " \
	"\"/machine/unattached/device[" #idx "]\", \"cpu-index\": " #idx \
	", \"target\": \"x86_64\"}"
#define CPUS4 "[" CPU(0, 14458) ", " CPU(1, 14459) ", " CPU(2, 14460) \
	", " CPU(3, 14461) "]"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_hintd_qmp.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int classify(const char *text, struct json_object **ret)
{
	struct json_object *o = json_tokener_parse(text);
	char err[128];
	int k;

	assert_non_null(o);
	k = qmp_classify(o, ret, err, sizeof(err));
	if (k == QMP_RETURN)
		*ret = json_object_get(*ret);
	if (k == QMP_ERROR)
		assert_non_null(strstr(err, "no such command"));
	json_object_put(o);
	return k;
}

static void test_classify(void **state)
{
	struct json_object *ret = NULL;

	(void)state;
	assert_int_equal(classify(GREETING, &ret), QMP_GREETING);
	assert_int_equal(classify("{\"return\": {}}", &ret), QMP_RETURN);
	assert_true(json_object_is_type(ret, json_type_object));
	json_object_put(ret);
	assert_int_equal(classify("{\"error\": {\"class\": \"CommandNotFound\", "
				  "\"desc\": \"no such command\"}}", &ret),
			 QMP_ERROR);
	assert_int_equal(classify("{\"timestamp\": {\"seconds\": 1, "
				  "\"microseconds\": 2}, \"event\": \"STOP\"}",
				  &ret), QMP_EVENT);
	assert_int_equal(classify("[1, 2]", &ret), -EINVAL);
	assert_int_equal(classify("{\"id\": 1}", &ret), -EINVAL);
}

static int parse_cpus(const char *text, pid_t **tids, unsigned int *n)
{
	struct json_object *o = json_tokener_parse(text);
	char err[160] = "";
	int e;

	assert_non_null(o);
	e = qmp_parse_cpus(o, tids, n, err, sizeof(err));
	if (e)
		assert_non_null(strstr(err, "query-cpus-fast"));
	json_object_put(o);
	return e;
}

static void test_parse_cpus(void **state)
{
	pid_t *tids = NULL;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(parse_cpus(CPUS4, &tids, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(tids[0], 14458);
	assert_int_equal(tids[3], 14461);
	free(tids);

	/* Out of order, with a hole (vCPU 1 unplugged): by cpu-index. */
	assert_int_equal(parse_cpus("[" CPU(3, 33) ", " CPU(0, 10) ", "
				    CPU(2, 22) "]", &tids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tids[0], 10);
	assert_int_equal(tids[1], 22);
	assert_int_equal(tids[2], 33);
	free(tids);

	tids = NULL;
	assert_int_equal(parse_cpus("[]", &tids, &n), -EINVAL);
	assert_int_equal(parse_cpus("{}", &tids, &n), -EINVAL);
	assert_int_equal(parse_cpus("[" CPU(0, 1) ", " CPU(0, 2) "]", &tids,
				    &n), -EINVAL);
	assert_int_equal(parse_cpus("[" CPU(0, -4) "]", &tids, &n), -EINVAL);
	assert_int_equal(parse_cpus("[" CPU(0, 0) "]", &tids, &n), -EINVAL);
	assert_int_equal(parse_cpus("[{\"cpu-index\": 0}]", &tids, &n),
			 -EINVAL);
	assert_int_equal(parse_cpus("[{\"cpu-index\": 0, \"thread-id\": \"7\"}]",
				    &tids, &n), -EINVAL);
	assert_int_equal(parse_cpus("[" CPU(0, 99999999999) "]", &tids, &n),
			 -EINVAL);
	assert_null(tids);
}

static void test_parse_name_and_paths(void **state)
{
	struct json_object *o;
	char name[VM_NAME_MAX], hint[256];
	struct vm_info vm;

	(void)state;
	o = json_tokener_parse("{\"name\": \"web-1\"}");
	qmp_parse_name(o, name, sizeof(name));
	assert_string_equal(name, "web-1");
	json_object_put(o);
	o = json_tokener_parse("{}");
	qmp_parse_name(o, name, sizeof(name));
	assert_string_equal(name, "");
	json_object_put(o);

	qmp_name_from_path("/run/vfold/db.qmp", name, sizeof(name));
	assert_string_equal(name, "db");
	qmp_name_from_path("monitor", name, sizeof(name));
	assert_string_equal(name, "monitor");
	qmp_hint_path("/run/vfold/db.qmp", hint, sizeof(hint));
	assert_string_equal(hint, "/run/vfold/db.hint");
	qmp_hint_path("/run/mon", hint, sizeof(hint));
	assert_string_equal(hint, "/run/mon.hint");

	vm_name_set(&vm, "my vm/../x");
	assert_string_equal(vm.name, "my_vm_.._x");
	vm_name_set(&vm, "..");
	assert_string_equal(vm.name, "_");
}

/* How the fake monitor misbehaves. */
enum fake {
	FAKE_GOOD,		/* events and split writes, but right */
	FAKE_HANGUP,		/* closes after the greeting */
	FAKE_SILENT,		/* never greets */
	FAKE_ERROR,		/* query-cpus-fast fails */
};

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/* Answers each command line with its reply; what a QEMU monitor does. */
static void fake_serve(int fd, enum fake how)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	if (how == FAKE_SILENT) {
		pause();
		_exit(0);
	}
	put(fd, GREETING);
	if (how == FAKE_HANGUP)
		_exit(0);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		char *nl;

		len += n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			if (strstr(buf, "qmp_capabilities")) {
				put(fd, "{\"return\": {}}\r\n");
			} else if (strstr(buf, "query-name")) {
				put(fd, "{\"timestamp\": {\"seconds\": 1, "
				    "\"microseconds\": 0}, \"event\": "
				    "\"RESUME\"}\r\n{\"return\": {\"na");
				usleep(10000);
				put(fd, "me\": \"vm one\"}}\r\n");
			} else if (how == FAKE_ERROR) {
				put(fd, "{\"error\": {\"class\": \"GenericError\", "
				    "\"desc\": \"no CPUs\"}}\r\n");
			} else {
				put(fd, "{\"return\": " CPUS4 "}\r\n");
			}
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len + 1);
		}
	}
	_exit(0);
}

/* A child process listening at @path (it is the peer SO_PEERCRED names). */
static pid_t fake_qemu(const char *path, enum fake how)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ready[2], ls, fd;
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid) {
		close(ready[1]);
		assert_int_equal(read(ready[0], &c, 1), 1);
		close(ready[0]);
		return pid;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ls, 1) || write(ready[1], "r", 1) != 1)
		_exit(1);
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		_exit(1);
	fake_serve(fd, how);
	_exit(0);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int query(const char *name, enum fake how, struct vm_info *vm,
		 pid_t *pid, char *err)
{
	char path[128];
	int e;

	snprintf(path, sizeof(path), "%s/%s.qmp", dir, name);
	unlink(path);
	*pid = fake_qemu(path, how);
	memset(vm, 0, sizeof(*vm));
	e = qmp_query_vm(path, 300, vm, err, 160);
	reap(*pid);
	return e;
}

static void test_conversation(void **state)
{
	struct vm_info vm;
	char err[160] = "", hint[128];
	pid_t pid;

	(void)state;
	assert_int_equal(query("one", FAKE_GOOD, &vm, &pid, err), 0);
	assert_int_equal(vm.pid, pid);
	assert_string_equal(vm.name, "vm_one");	/* from query-name */
	assert_int_equal(vm.nr_vcpus, 4);
	assert_int_equal(vm.tids[0], 14458);
	assert_int_equal(vm.tids[3], 14461);
	snprintf(hint, sizeof(hint), "%s/one.hint", dir);
	assert_string_equal(vm.hint_path, hint);
	free(vm.tids);
}

static void test_conversation_failures(void **state)
{
	struct vm_info vm;
	char err[160] = "", path[128];
	pid_t pid;

	(void)state;
	/* Closed, reset, or a broken pipe: which depends on timing. */
	assert_true(query("h", FAKE_HANGUP, &vm, &pid, err) < 0);
	assert_true(err[0]);
	assert_int_equal(query("s", FAKE_SILENT, &vm, &pid, err), -ETIMEDOUT);
	assert_true(query("e", FAKE_ERROR, &vm, &pid, err) < 0);
	assert_non_null(strstr(err, "no CPUs"));
	assert_null(vm.tids);

	/* A socket file left by a QEMU that was killed: refused. */
	snprintf(path, sizeof(path), "%s/h.qmp", dir);
	assert_int_equal(qmp_query_vm(path, 300, &vm, err, sizeof(err)),
			 -ECONNREFUSED);
	snprintf(path, sizeof(path), "%s/none.qmp", dir);
	assert_int_equal(qmp_query_vm(path, 300, &vm, err, sizeof(err)),
			 -ENOENT);
}

/* A --qmp-dir with one live VM, one dead socket and a non-socket. */
static void test_backend_dir(void **state)
{
	struct vm_list l = { 0 };
	struct backend *b;
	char path[128];
	pid_t pid;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/a.qmp", dir);
	pid = fake_qemu(path, FAKE_GOOD);
	snprintf(path, sizeof(path), "%s/sub/dead.qmp", dir);
	reap(fake_qemu(path, FAKE_HANGUP));
	snprintf(path, sizeof(path), "%s/sub/file.qmp", dir);
	f = fopen(path, "w");
	fclose(f);

	snprintf(path, sizeof(path), "%s/sub", dir);
	b = qmp_backend_new(NULL, 0, path);
	assert_non_null(b);
	assert_int_equal(b->ops->scan(b->priv, &l), 0);
	reap(pid);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.vms[0].pid, pid);
	assert_int_equal(l.vms[0].nr_vcpus, 4);

	/* Next scan: the VM died meanwhile; dropped, no crash. */
	vm_list_clear(&l);
	assert_int_equal(b->ops->scan(b->priv, &l), 0);
	assert_int_equal(l.n, 0);
	free(l.vms);
	backend_free(b);

	b = qmp_backend_new(NULL, 0, "/nonexistent");
	assert_int_equal(b->ops->scan(b->priv, &l), -ENOENT);
	backend_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_parse_name_and_paths),
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_conversation_failures),
		cmocka_unit_test(test_backend_dir),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("hintd_qmp", tests, make_dir,
					   remove_dir);
}
