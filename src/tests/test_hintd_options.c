/* objects: vfold-hintd/options.o vfold-hintd/policy.o vfold-hintd/backend.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's config file and its reload (SIGHUP): the same checks as
 * the command line, which overrides the file; a bad file changes nothing.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

struct fixture {
	char dir[64];
	char path[96];
	struct opts o;
	struct opts_msgs m;	/* the last reload's log */
};

static void write_conf(struct fixture *f, const char *text)
{
	FILE *c = fopen(f->path, "w");

	assert_non_null(c);
	fputs(text, c);
	fclose(c);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_hintd_options.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/hintd.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	opts_free(&f->o);
	opts_msgs_free(&f->m);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* parse_args() on "--config FILE" and @args (NULL-terminated). */
static void start(struct fixture *f, const char *text, ...)
{
	/* The options keep pointers into argv: it outlives them. */
	static char *argv[16];
	const char *arg;
	int argc = 0;
	va_list ap;

	write_conf(f, text);
	argv[argc++] = "vfold-hintd";
	argv[argc++] = "--config";
	argv[argc++] = f->path;
	va_start(ap, text);
	while ((arg = va_arg(ap, const char *)) && argc < 15)
		argv[argc++] = (char *)arg;
	va_end(ap);
	argv[argc] = NULL;
	optind = 0;
	parse_args(&f->o, argc, argv);
}

/* SIGHUP after @text was written: opts_reload()'s result; the log in m. */
static int reload(struct fixture *f, const char *text)
{
	struct opts n;
	int r;

	if (text)
		write_conf(f, text);
	opts_msgs_free(&f->m);
	r = opts_reload(&f->o, &n, &f->m);
	if (!r) {
		opts_free(&f->o);
		f->o = n;
	}
	return r;
}

static void assert_logged(const struct opts_msgs *m, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "%s\n", line);
	if (!m->text || !strstr(m->text, want))
		fail_msg("not logged: \"%s\"; the log:\n%s", line,
			 m->text ? m->text : "");
}

static const char full[] =
	"# every key of [hintd]\n"
	"[hintd]\n"
	"qmp-dir = /run/vfold\n"
	"qmp = /run/a.qmp\n"
	"qmp = /run/b.qmp\n"
	"interval-ms = 2000\n"
	"ttl-ms = 30000\n"
	"cpus = 6.5\n"
	"min-cpus = 2\n"
	"headroom = 0.5   ; inline comment\n"
	"lower-after = 7\n"
	"metrics-file = /var/lib/prometheus/node-exporter/vfold.prom\n"
	"cgroup = no\n"
	"cgroup-root = /tmp/cg\n"
	"\n"
	"[vm web]\n"
	"weight = 3\n"
	"floor = 2\n"
	"[vm  db]\n"
	"weight = 0.5\n";

static void test_file(void **state)
{
	struct fixture *f = *state;
	struct opts *o = &f->o;

	start(f, full, NULL);
	assert_string_equal(o->qmp_dir, "/run/vfold");
	assert_int_equal(o->nr_qmp, 2);
	assert_string_equal(o->qmp[1], "/run/b.qmp");
	assert_int_equal(o->interval_ms, 2000);
	assert_int_equal(o->ttl_ms, 30000);
	assert_true(o->cpus == 6.5);
	assert_int_equal(o->pp.min_cpus, 2);
	assert_true(o->pp.headroom_cpus == 0.5);
	assert_int_equal(o->pp.lower_after, 7);
	assert_string_equal(o->metrics_file,
			    "/var/lib/prometheus/node-exporter/vfold.prom");
	assert_true(o->no_cgroup);
	assert_string_equal(o->cgroup_root, "/tmp/cg");
	assert_true(opts_weight(o, "web") == 3);
	assert_int_equal(opts_floor(o, "web"), 2);
	assert_true(opts_weight(o, "db") == 0.5);
	assert_int_equal(opts_floor(o, "db"), 0);
	assert_true(opts_weight(o, "other") == 0);
	assert_string_equal(o->config, f->path);
	assert_false(o->json);
}

/* The command line overrides the file, a list as a whole. */
static void test_cli_overrides(void **state)
{
	struct fixture *f = *state;
	struct opts *o = &f->o;

	start(f, full, "--interval-ms", "500", "--weight", "web=7",
	      "--floor", "db=1", "--qmp", "/x.qmp", "--qmp-dir", "/d",
	      "--json", NULL);
	assert_int_equal(o->interval_ms, 500);
	assert_true(opts_weight(o, "web") == 7);
	assert_int_equal(opts_floor(o, "web"), 2);	/* from the file */
	assert_int_equal(opts_floor(o, "db"), 1);
	assert_int_equal(o->nr_qmp, 1);
	assert_string_equal(o->qmp[0], "/x.qmp");
	assert_string_equal(o->qmp_dir, "/d");
	assert_true(o->json);
}

/* No ttl-ms anywhere: 5 intervals, at least 10 s; from the new interval. */
static void test_default_ttl(void **state)
{
	struct fixture *f = *state;

	start(f, "[hintd]\nqmp-dir = /d\ninterval-ms = 3000\n", NULL);
	assert_int_equal(f->o.ttl_ms, 15000);
	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n"), 0);
	assert_int_equal(f->o.ttl_ms, 10000);
	assert_logged(&f->m, "config reloaded: interval-ms 3000 -> 1000, ttl-ms 15000 -> 10000");
}

static void test_reload(void **state)
{
	struct fixture *f = *state;

	start(f, "[hintd]\nqmp-dir = /d\n[vm a]\nweight = 3\nfloor = 1\n",
	      "--interval-ms", "300", NULL);
	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n"
				"interval-ms = 5000\nheadroom = 1\n"
				"min-cpus = 2\nlower-after = 5\ncpus = 4\n"
				"metrics-file = /m.prom\n"
				"[vm a]\nweight = 5\n[vm b]\nfloor = 2\n"), 0);
	/* The command line's interval still wins. */
	assert_logged(&f->m, "config reloaded: cpus - -> 4, min-cpus 1 -> 2, "
		      "headroom 0.1 -> 1, lower-after 3 -> 5, "
		      "metrics-file - -> /m.prom, weight a 3 -> 5, "
		      "floor a 1 -> -, floor b - -> 2");
	assert_int_equal(f->m.errors, 0);
	assert_int_equal(f->o.interval_ms, 300);
	assert_true(opts_weight(&f->o, "a") == 5);
	assert_int_equal(opts_floor(&f->o, "b"), 2);
	assert_int_equal(f->o.pp.min_cpus, 2);

	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n"
				"interval-ms = 5000\nheadroom = 1\n"
				"min-cpus = 2\nlower-after = 5\ncpus = 4\n"
				"metrics-file = /m.prom\n"
				"[vm a]\nweight = 5\n[vm b]\nfloor = 2\n"), 0);
	assert_logged(&f->m, "config reloaded: no change");

	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n"), 0);
	assert_logged(&f->m, "config reloaded: cpus 4 -> -, min-cpus 2 -> 1, "
		      "headroom 1 -> 0.1, lower-after 5 -> 3, "
		      "metrics-file /m.prom -> -, weight a 5 -> -, "
		      "floor b 2 -> -");
}

/*
 * A bad file: every error with its line, and the old settings stay;
 * each value checked as on the command line.
 */
static void test_reload_errors(void **state)
{
	struct fixture *f = *state;
	char line[512];

	start(f, "[hintd]\nqmp-dir = /d\n[vm a]\nweight = 3\n", NULL);
	assert_int_equal(reload(f,
		"[hintd]\n"
		"qmp-dir = /d\n"
		"interval-ms = 5\n"
		"bogus = 1\n"
		"json = yes\n"
		"cgroup = maybe\n"
		"[vm a]\n"
		"weight = 0\n"
		"color = red\n"
		"floor = x\n"
		"[nowhere]\n"
		"x = 1\n"
		"y = 2\n"
		"[hintd]\n"
		"this line has no equals sign\n"
		"ttl-ms = 999\n"), -1);
#define AT(n, text) (snprintf(line, sizeof(line), "%s:%d: %s", f->path, \
			      n, text), line)
	assert_logged(&f->m, AT(3, "key 'interval-ms': expected an integer in 10..600000"));
	assert_logged(&f->m, AT(4, "unknown key 'bogus' in [hintd]"));
	assert_logged(&f->m, AT(5, "unknown key 'json' in [hintd]"));
	assert_logged(&f->m, AT(6, "key 'cgroup': expected yes or no"));
	assert_logged(&f->m, AT(8, "[vm a] key 'weight': the weight must be a number > 0 and <= 10000"));
	assert_logged(&f->m, AT(9, "unknown key 'color' in [vm a]"));
	assert_logged(&f->m, AT(10, "[vm a] key 'floor': expected an integer in 1..1024"));
	assert_logged(&f->m, AT(12, "unknown section [nowhere]: expected [hintd] or [vm NAME]"));
	assert_logged(&f->m, AT(15, "expected [section], key = value or a comment"));
	assert_logged(&f->m, AT(16, "key 'ttl-ms': expected an integer in 1000..3600000"));
	/* One line for a bad section, not one per key. */
	assert_int_equal(f->m.errors, 10);
	assert_true(opts_weight(&f->o, "a") == 3);

	/* The checks that take two options, and keys outside a section. */
	assert_int_equal(reload(f, "ttl-ms = 1000\n[hintd]\n"
				"ttl-ms = 2000\n"), -1);
	assert_logged(&f->m, AT(1, "key 'ttl-ms' outside a section: put it under [hintd]"));
	assert_logged(&f->m, "--ttl-ms 2000: must exceed 2 intervals (2000 ms)");

	/* Twice in the file, as twice on the command line. */
	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n"
				"qmp-dir = /e\n"), -1);
	assert_logged(&f->m, AT(3, "key 'qmp-dir': given twice"));

	/* Gone, or a line inih would cut. */
	unlink(f->path);
	assert_int_equal(reload(f, NULL), -1);
	snprintf(line, sizeof(line), "%s: No such file or directory", f->path);
	assert_logged(&f->m, line);
	memset(line, 'x', 300);
	memcpy(line, "[hintd]\nqmp-dir = /", 19);
	strcpy(line + 300, "\n");
	assert_int_equal(reload(f, line), -1);
	assert_non_null(strstr(f->m.text, ":2: line too long"));
	assert_true(opts_weight(&f->o, "a") == 3);
	assert_string_equal(f->o.qmp_dir, "/d");
}

/* The backend stays as it started: a change is logged, and kept. */
static void test_reload_backend(void **state)
{
	struct fixture *f = *state;

	start(f, "[hintd]\nqmp-dir = /d\nqmp = /a.qmp\ncgroup = yes\n",
	      "--cgroup-root", "/cg", NULL);
	assert_int_equal(reload(f, "[hintd]\nlibvirt = qemu:///system\n"
				"cgroup = no\ncgroup-root = /other\n"
				"interval-ms = 2000\n"), 0);
	assert_logged(&f->m, "config: qmp changed: takes a restart, kept as it runs");
	assert_logged(&f->m, "config: qmp-dir changed: takes a restart, kept as it runs");
	assert_logged(&f->m, "config: libvirt changed: takes a restart, kept as it runs");
	assert_logged(&f->m, "config: cgroup changed: takes a restart, kept as it runs");
	assert_logged(&f->m, "config reloaded: interval-ms 1000 -> 2000");
	assert_null(strstr(f->m.text, "cgroup-root"));	/* the command line's */
	assert_string_equal(f->o.qmp_dir, "/d");
	assert_int_equal(f->o.nr_qmp, 1);
	assert_string_equal(f->o.qmp[0], "/a.qmp");
	assert_null(f->o.libvirt_uri);
	assert_false(f->o.no_cgroup);
	assert_string_equal(f->o.cgroup_root, "/cg");
	assert_int_equal(f->o.interval_ms, 2000);
}

/*
 * The shipped example is valid as it is, and with every setting it
 * shows uncommented ("# key = value", "# [vm NAME]").
 */
static void test_example(void **state)
{
	struct fixture *f = *state;
	char text[8192] = "", line[256], key[64];
	FILE *in = fopen(VFOLD_TOPDIR "/src/vfold-hintd/hintd.conf", "r");

	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		int n = 0;

		sscanf(line, "# %63[a-z-] =%n", key, &n);
		strcat(text, n || !strncmp(line, "# [vm ", 6) ? line + 2 :
		       line);
	}
	fclose(in);
	start(f, text, NULL);
	assert_string_equal(f->o.qmp_dir, "/run/vfold");
	assert_string_equal(f->o.libvirt_uri, "qemu:///system");
	assert_int_equal(opts_floor(&f->o, "web"), 2);
	assert_true(opts_weight(&f->o, "batch") == 0.5);
	assert_non_null(f->o.metrics_file);
	opts_free(&f->o);

	in = fopen(VFOLD_TOPDIR "/src/vfold-hintd/hintd.conf", "r");
	text[fread(text, 1, sizeof(text) - 1, in)] = '\0';
	fclose(in);
	start(f, text, NULL);
	assert_string_equal(f->o.libvirt_uri, "qemu:///system");
	assert_null(f->o.qmp_dir);
}

/* The ttl_ms that the last cli() that succeeded chose. */
static unsigned int cli_ttl;

/*
 * parse_args() on "vfold-hintd --qmp-dir /d" and @arg... (NULL-ended) in
 * a child: its exit status (2: a usage error), its stderr in @err, and
 * on success the ttl_ms it chose in cli_ttl.
 */
static int cli(char *err, size_t len, const char *arg, ...)
{
	char *argv[16] = { "vfold-hintd", "--qmp-dir", "/d" };
	int argc = 3, status, pfd[2], tfd[2];
	size_t used;
	struct opts o;
	ssize_t n;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	for (; arg && argc < 15; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(tfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(pfd[1], 2);
		optind = 0;
		parse_args(&o, argc, argv);
		n = write(tfd[1], &o.ttl_ms, sizeof(o.ttl_ms));
		opts_free(&o);
		_exit(n == sizeof(o.ttl_ms) ? 0 : 99);
	}
	close(pfd[1]);
	close(tfd[1]);
	cli_ttl = 0;
	if (read(tfd[0], &cli_ttl, sizeof(cli_ttl)) != sizeof(cli_ttl))
		cli_ttl = 0;
	close(tfd[0]);
	/* stderr is unbuffered: a message comes in several writes. */
	for (used = 0; (n = read(pfd[0], err + used, len - 1 - used)) > 0;)
		used += n;
	err[used] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * A long option is named in full: "--cgroup yes" is no --cgroup-root;
 * a value out of range is said with the range.
 */
/* --ttl-ms: 1000..3600000, more than 2 intervals; the default as before. */
static void test_ttl_option(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(cli(err, sizeof(err), NULL), 0);
	assert_int_equal(cli_ttl, 10000);
	assert_int_equal(cli(err, sizeof(err), "--interval-ms", "3000", NULL), 0);
	assert_int_equal(cli_ttl, 15000);
	assert_int_equal(cli(err, sizeof(err), "--interval-ms", "600000", NULL),
			 0);
	assert_int_equal(cli_ttl, 3000000);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "2001", NULL), 0);
	assert_int_equal(cli_ttl, 2001);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "3600000",
			     "--interval-ms", "600000", NULL), 0);
	assert_int_equal(cli_ttl, 3600000);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "1000",
			     "--interval-ms", "100", NULL), 0);
	assert_int_equal(cli_ttl, 1000);

	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "999",
			     "--interval-ms", "100", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "3600001", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "2000", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "5000",
			     "--interval-ms", "2500", NULL), 2);
	/* Checked against the interval whatever the order. */
	assert_int_equal(cli(err, sizeof(err), "--interval-ms", "2500",
			     "--ttl-ms", "5000", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "x", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--ttl-ms", "-5000", NULL), 2);
}

static void test_cli_names(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(cli(err, sizeof(err), "--cgroup", "yes", NULL), 2);
	assert_string_equal(err, "vfold-hintd: unknown option --cgroup "
			    "(options are not abbreviated: --cgroup-root?)\n"
			    "Try 'vfold-hintd --help'.\n");
	assert_int_equal(cli(err, sizeof(err), "--cgroup=/x", NULL), 2);
	assert_non_null(strstr(err, "unknown option --cgroup "));
	assert_int_equal(cli(err, sizeof(err), "--js", NULL), 2);
	assert_non_null(strstr(err, "unknown option --js (options are not "
			       "abbreviated: --json?)"));
	assert_int_equal(cli(err, sizeof(err), "--interval=500", NULL), 2);
	assert_int_equal(cli(err, sizeof(err), "--cgroup-root", "/cg",
			     "--interval-ms=500", "--json", NULL), 0);
	assert_string_equal(err, "");
	assert_int_equal(cli(err, sizeof(err), "--cpus", "2000000", NULL), 2);
	assert_non_null(strstr(err, "--cpus 2000000: expected a number > 0 "
			       "and <= 1000000\n"));
	assert_int_equal(cli(err, sizeof(err), "--headroom", "-1", NULL), 2);
	assert_non_null(strstr(err, "--headroom -1: expected a number >= 0 "
			       "and <= 1000000\n"));
}

/*
 * A section name inih would cut (49 characters: a VM's name of 46) is an
 * error, as is a blank at either end of one: no VM is named otherwise
 * than written.
 */
static void test_section_names(void **state)
{
	struct fixture *f = *state;
	char conf[512], name[64], line[512];

	start(f, "[hintd]\nqmp-dir = /d\n", NULL);
	memset(name, 'n', 46);
	name[46] = '\0';
	snprintf(conf, sizeof(conf), "[hintd]\nqmp-dir = /d\n[vm %s]\n"
		 "weight = 2\n", name);
	assert_int_equal(reload(f, conf), 0);
	assert_true(opts_weight(&f->o, name) == 2);

	snprintf(conf, sizeof(conf), "[hintd]\nqmp-dir = /d\n[vm %sxy]\n"
		 "weight = 3\nfloor = 1\n", name);
	assert_int_equal(reload(f, conf), -1);
	snprintf(line, sizeof(line), "%s:3: section name too long (at most "
		 "49 characters; a VM name in [vm NAME] at most 46): "
		 "[vm %sxy]", f->path, name);
	assert_logged(&f->m, line);
	assert_int_equal(f->m.errors, 1);	/* not one per key */

	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n[vm web ]\n"
				"weight = 3\n"), -1);
	snprintf(line, sizeof(line), "%s:3: blank at the end of the section "
		 "name [vm web ]", f->path);
	assert_logged(&f->m, line);
	assert_int_equal(f->m.errors, 1);
	assert_int_equal(reload(f, "[ hintd]\nqmp-dir = /d\n"), -1);
	snprintf(line, sizeof(line), "%s:1: blank at the start of the section "
		 "name [ hintd]", f->path);
	assert_logged(&f->m, line);
	assert_true(opts_weight(&f->o, "web_") == 0);
	assert_true(opts_weight(&f->o, name) == 2);

	/* A blank inside is the VM name's, cleaned as VM names are. */
	assert_int_equal(reload(f, "[hintd]\nqmp-dir = /d\n[vm  web x]\n"
				"weight = 4\n"), 0);
	assert_true(opts_weight(&f->o, "web_x") == 4);
	assert_int_equal(reload(f, "[hintd]\ncpus = 2000000\n"), -1);
	assert_non_null(strstr(f->m.text, ":2: key 'cpus': expected a number "
			       "> 0 and <= 1000000\n"));
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_file),
		TEST(test_cli_overrides),
		TEST(test_default_ttl),
		TEST(test_reload),
		TEST(test_reload_errors),
		TEST(test_reload_backend),
		TEST(test_example),
		cmocka_unit_test(test_ttl_option),
		cmocka_unit_test(test_cli_names),
		TEST(test_section_names),
	};

	return cmocka_run_group_tests_name("hintd_options", tests, NULL, NULL);
}
