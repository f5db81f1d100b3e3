/* objects: vfoldctl/cli.o vfoldctl/change.o vfoldctl/state.o vfoldctl/status.o vfoldctl/watch.o tests/fakesys.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfoldctl as a whole on a fake sysfs and procfs: exit status and
 * messages of bad usage and of each refusal, what each write leaves in
 * the files, status as text and JSON, watch's plain frames.
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
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "../vfoldctl/change.h"
#include "../vfoldctl/cli.h"
#include "fakesys.h"

#define PV	"devices/system/cpu/paravirt"
#define GOV	"devices/system/cpu/paravirt_governor/"

struct run {
	int rc;
	char *out, *err;
};

static char *root;
static struct run r;

static void run_free(void)
{
	free(r.out);
	free(r.err);
	r.out = r.err = NULL;
}

/*
 * vfoldctl --sysfs-root ROOT --proc-root ROOT/proc ARGS... with its
 * reports on @to (NULL: into r.out).
 */
static void vctl(FILE *to, const char *arg, va_list ap)
{
	char *argv[32], proc[256];
	size_t olen, elen;
	FILE *out, *err;
	int argc = 0;

	run_free();
	snprintf(proc, sizeof(proc), "%s/proc", root);
	argv[argc++] = "vfoldctl";
	argv[argc++] = "--sysfs-root";
	argv[argc++] = root;
	argv[argc++] = "--proc-root";
	argv[argc++] = proc;
	for (; arg; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	argv[argc] = NULL;
	out = to ? to : open_memstream(&r.out, &olen);
	err = open_memstream(&r.err, &elen);
	assert_non_null(out);
	assert_non_null(err);
	r.rc = ctl_main(argc, argv, out, err);
	if (!to)
		fclose(out);
	fclose(err);
}

/* vfoldctl ... ARGS (NULL-ended), its reports into r.out. */
static void ctl(const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	vctl(NULL, arg, ap);
	va_end(ap);
}

/* vfoldctl ... ARGS (NULL-ended), its reports on @out. */
static void ctl_to(FILE *out, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	vctl(out, arg, ap);
	va_end(ap);
}

static void expect_fail(const char *msg)
{
	if (r.rc != 1 || !strstr(r.err, msg))
		fail_msg("want exit 1 and \"%s\", got exit %d, stderr \"%s\"",
			 msg, r.rc, r.err);
}

static void expect_ok(void)
{
	if (r.rc || r.err[0])
		fail_msg("want exit 0, got %d, stderr \"%s\"", r.rc, r.err);
}

/* Four online CPUs of six, governor off, a /proc/stat and pushes. */
static int setup(void **state)
{
	static const char *const knobs[][2] = {
		{ "available_modes", "off steal hint smt\n" },
		{ "interval_ms", "100\n" }, { "steal_high_permille", "50\n" },
		{ "steal_low_permille", "20\n" },
		{ "smt_low_permille", "500\n" },
		{ "smt_high_permille", "800\n" }, { "min_cpus", "1\n" },
		{ "entitled_cpus", "0\n" }, { "intervals", "12\n" },
		{ "folds", "3\n" }, { "probes", "1\n" }, { "reverts", "0\n" },
		{ "mask_changes", "4\n" },
	};
	char rel[128], dir[256];

	(void)state;
	root = fakesys_new(4, "off");
	fakesys_put(root, "devices/system/cpu/possible", "0-5\n");
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(rel, sizeof(rel), GOV "%s", knobs[i][0]);
		fakesys_put(root, rel, knobs[i][1]);
	}
	snprintf(dir, sizeof(dir), "%s/proc", root);
	mkdir(dir, 0755);
	/* Since boot: CPU 1 lost 100 of 400 ticks, the others 0 or 10. */
	fakesys_put(root, "proc/stat",
		    "cpu  400 0 200 980 0 0 0 120 0 0\n"
		    "cpu0 100 0 50 250 0 0 0 0 0 0\n"
		    "cpu1 100 0 50 150 0 0 0 100 0 0\n"
		    "cpu2 100 0 50 290 0 0 0 10 0 0\n"
		    "cpu3 100 0 50 290 0 0 0 10 0 0\n"
		    "intr 1 2 3\nprocs_running 1\n");
	snprintf(dir, sizeof(dir), "%s/kernel", root);
	mkdir(dir, 0755);
	strcat(dir, "/debug");
	mkdir(dir, 0755);
	strcat(dir, "/sched");
	mkdir(dir, 0755);
	fakesys_put(root, "kernel/debug/sched/debug",
		    "Sched Debug Version: v0.11\n\n"
		    "cpu#0, 2400.000 MHz\n"
		    "  .nr_running                    : 1\n"
		    "  .paravirt_pushes               : 17\n\n"
		    "cpu#1, 2400.000 MHz\n"
		    "  .paravirt_pushes               : 0\n\n"
		    "cpu#2, 2400.000 MHz\n"
		    "  .ttwu_local                    : 3\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	run_free();
	fakesys_free(root);
	return 0;
}

static void test_usage(void **state)
{
	(void)state;
	ctl("--help", NULL);
	expect_ok();
	assert_non_null(strstr(r.out, "Usage:"));
	assert_non_null(strstr(r.out, "Exit status:"));
	ctl(NULL);
	expect_fail("vfoldctl: no command\nTry 'vfoldctl --help' for more "
		    "information.\n");
	ctl("frob", NULL);
	expect_fail("unknown command \"frob\"");
	ctl("status", "--frob", NULL);
	expect_fail("unknown option --frob\nTry 'vfoldctl --help'");
	ctl("status", "-x", NULL);
	expect_fail("unknown option -x");
	ctl("status", "extra", NULL);
	expect_fail("unexpected argument \"extra\"");
	ctl("fold", NULL);
	expect_fail("fold needs a CPU list");
	ctl("set", "hint", NULL);
	expect_fail("set needs a knob and a value");
	ctl("unfold", "1", "2", NULL);
	expect_fail("unexpected argument \"2\"");
	ctl("fold", "1", "--json", NULL);
	expect_fail("--json does not go with fold");
	ctl("status", "--count", "2", NULL);
	expect_fail("--count does not go with status");
	ctl("watch", "--interval-ms", "5", NULL);
	expect_fail("--interval-ms takes 10..3600000, not \"5\"");
	ctl("watch", "--count", NULL);
	expect_fail("--count needs a value");
	ctl("status", "--sample-ms", "-1", NULL);
	expect_fail("--sample-ms takes 0..60000");
	/* A long option is named in full, or it is not one. */
	ctl("status", "--js", NULL);
	expect_fail("unknown option --js (options are not abbreviated: "
		    "--json?)\n");
	ctl("watch", "--int", "10", NULL);
	expect_fail("unknown option --int (options are not abbreviated: "
		    "--interval-ms?)\n");
	ctl("watch", "--count=2", "--interval=10", NULL);
	expect_fail("unknown option --interval (options are not "
		    "abbreviated: --interval-ms?)\n");
	ctl("status", "--json=1", NULL);
	expect_fail("vfoldctl: --json takes no value\n");
	ctl("--help=x", NULL);
	expect_fail("vfoldctl: --help takes no value\n");
	ctl("--json", "-xJ", "status", NULL);
	expect_fail("vfoldctl: unknown option -x\n");
	ctl("status", "--frob=1", NULL);
	expect_fail("vfoldctl: unknown option --frob=1\n");
	/* Nothing was written by any of them. */
	fakesys_expect(root, PV, "\n");
}

static void test_fold(void **state)
{
	(void)state;
	ctl("fold", "2-3", NULL);
	expect_ok();
	fakesys_expect(root, PV, "2-3\n");
	ctl("fold", "1-3:2", NULL);
	expect_ok();
	fakesys_expect(root, PV, "1,3\n");
	ctl("fold", "1-x", NULL);
	expect_fail("invalid CPU list \"1-x\"");
	ctl("fold", "3-1", NULL);
	expect_fail("invalid CPU list \"3-1\"");
	ctl("fold", "99999", NULL);
	expect_fail("CPUs are numbered below 8192");
	ctl("fold", "2,4-5", NULL);
	expect_fail("cannot fold 4-5: not online");
	ctl("fold", "0-3", NULL);
	expect_fail("cannot fold every online CPU (0-3): one must stay kept");
	/* Not an unfold of them all. */
	ctl("fold", "", NULL);
	expect_fail("vfoldctl: fold needs at least one CPU; 'vfoldctl "
		    "unfold' unfolds them all\n");
	/* None of the refusals touched the mask. */
	fakesys_expect(root, PV, "1,3\n");
}

static void test_unfold(void **state)
{
	(void)state;
	fakesys_put(root, PV, "0-2\n");
	ctl("unfold", "1,3", NULL);
	expect_ok();
	fakesys_expect(root, PV, "0,2\n");
	ctl("unfold", "0", NULL);
	expect_ok();
	fakesys_expect(root, PV, "2\n");
	ctl("unfold", "bad", NULL);
	expect_fail("invalid CPU list \"bad\"");
	fakesys_expect(root, PV, "2\n");
	ctl("unfold", NULL);
	expect_ok();
	/* A '\n', or sysfs would not pass the empty write on. */
	fakesys_expect(root, PV, "\n");
}

static void test_governor_owns_mask(void **state)
{
	(void)state;
	fakesys_put(root, PV, "3\n");
	fakesys_put(root, GOV "mode", "steal\n");
	ctl("fold", "1", NULL);
	expect_fail("vfoldctl: the governor (mode steal) sets the paravirt "
		    "CPUs; 'vfoldctl mode off' first\n");
	ctl("unfold", NULL);
	expect_fail("the governor (mode steal)");
	fakesys_expect(root, PV, "3\n");
}

static void test_sched_ext(void **state)
{
	char dir[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/kernel/sched_ext", root);
	mkdir(dir, 0755);
	fakesys_put(root, "kernel/sched_ext/state", "enabled\n");
	ctl("fold", "1", NULL);
	expect_fail("a BPF scheduler (sched_ext) is loaded");
	fakesys_expect(root, PV, "\n");
	/* Clearing is allowed while one is loaded. */
	ctl("unfold", NULL);
	expect_ok();
	fakesys_put(root, "kernel/sched_ext/state", "disabled\n");
	ctl("fold", "1", NULL);
	expect_ok();
	fakesys_expect(root, PV, "1\n");
}

static void test_mode(void **state)
{
	(void)state;
	ctl("mode", "hint", NULL);
	expect_ok();
	fakesys_expect(root, GOV "mode", "hint");
	ctl("mode", "hin", NULL);
	expect_fail("unknown mode \"hin\" (available: off steal hint smt)");
	ctl("mode", "", NULL);
	expect_fail("unknown mode \"\"");
	ctl("mode", "off steal", NULL);
	expect_fail("unknown mode");
	fakesys_expect(root, GOV "mode", "hint");
}

static void test_set(void **state)
{
	(void)state;
	ctl("set", "interval_ms", "250", NULL);
	expect_ok();
	fakesys_expect(root, GOV "interval_ms", "250");
	/* Written as the kernel's kstrtouint() takes it. */
	ctl("set", "hint", "04", NULL);
	expect_ok();
	fakesys_expect(root, GOV "hint", "4");
	ctl("set", "interval_ms", "5", NULL);
	expect_fail("interval_ms takes 50..10000, not \"5\"");
	ctl("set", "hint_ttl_ms", "abc", NULL);
	expect_fail("hint_ttl_ms takes 1000..3600000, not \"abc\"");
	/* The CPU counts go up to the number of CPU ids: 6 possible. */
	ctl("set", "min_cpus", "7", NULL);
	expect_fail("min_cpus takes 1..6, not \"7\"");
	ctl("set", "entitled_cpus", "6", NULL);
	expect_ok();
	ctl("set", "steal_low_permille", "50", NULL);
	expect_fail("steal_low_permille must stay below steal_high_permille, "
		    "which is 50");
	ctl("set", "smt_high_permille", "400", NULL);
	expect_fail("smt_high_permille must stay above smt_low_permille, "
		    "which is 500");
	ctl("set", "folds", "1", NULL);
	expect_fail("folds is read-only; knobs: interval_ms ");
	ctl("set", "speed", "1", NULL);
	expect_fail("unknown knob \"speed\"; knobs: interval_ms "
		    "steal_high_permille steal_low_permille smt_low_permille "
		    "smt_high_permille min_cpus entitled_cpus hint "
		    "hint_ttl_ms\n");
	ctl("set", "mode", "steal", NULL);
	expect_fail("'vfoldctl mode MODE'");
	fakesys_expect(root, GOV "interval_ms", "250");
	fakesys_expect(root, GOV "steal_low_permille", "20\n");
	fakesys_expect(root, GOV "smt_high_permille", "800\n");
	fakesys_expect(root, GOV "min_cpus", "1\n");
}

/* A governor without one of the knobs: an older kernel's, not none. */
static void test_missing_knob(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/" GOV "smt_low_permille", root);
	assert_int_equal(unlink(path), 0);
	ctl("set", "smt_low_permille", "100", NULL);
	expect_fail("vfoldctl: no knob smt_low_permille in this kernel (no "
		    "paravirt_governor/smt_low_permille)\n");
	assert_null(strstr(r.err, "CONFIG_"));
	assert_int_equal(access(path, F_OK), -1);
}

/*
 * EBUSY on the mask with the mode read as off: the governor turned on
 * since (the mode read again says so), else sched_ext.
 */
static void test_mask_busy(void **state)
{
	struct ctl_env env = { .proc_root = "/nonexistent" };
	struct ctl_snapshot s;
	size_t len;
	FILE *err;

	(void)state;
	vfold_sysfs_init(&env.sys, root);
	assert_int_equal(ctl_read(&env, &s, stderr), 0);
	assert_string_equal(s.mode, "off");
	fakesys_put(root, GOV "mode", "hint\n");
	run_free();
	err = open_memstream(&r.err, &len);
	assert_int_equal(ctl_mask_refused(&env, &s, "1", EBUSY, err), 1);
	fclose(err);
	assert_string_equal(r.err, "vfoldctl: the governor (mode hint) sets "
			    "the paravirt CPUs; 'vfoldctl mode off' first\n");
	free(r.err);
	fakesys_put(root, GOV "mode", "off\n");
	err = open_memstream(&r.err, &len);
	assert_int_equal(ctl_mask_refused(&env, &s, "1", EBUSY, err), 1);
	fclose(err);
	assert_non_null(strstr(r.err, "a BPF scheduler (sched_ext) is "
			       "loaded"));
	free(r.err);
	r.err = NULL;
	ctl_snapshot_free(&s);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("vfoldctl did not stop");
}

/*
 * What cannot be written is a failure, said: a full disk, and a pipe
 * closed under watch (SIGPIPE ignored), which ends it.
 */
static void test_write_error(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	int pfd[2];
	FILE *out;

	(void)state;
	assert_non_null(full);
	ctl_to(full, "status", "-s", "0", NULL);
	expect_fail("vfoldctl: write error: No space left on device\n");
	clearerr(full);
	ctl_to(full, "--help", NULL);
	expect_fail("vfoldctl: write error: No space left on device\n");
	clearerr(full);
	ctl_to(full, "watch", "-i", "10", "-c", "2", "-s", "0", NULL);
	expect_fail("vfoldctl: write error: No space left on device\n");
	/* Once: the frames stop at the first. */
	assert_null(strstr(strstr(r.err, "write error") + 1, "write error"));
	fclose(full);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	assert_int_equal(pipe(pfd), 0);
	close(pfd[0]);
	out = fdopen(pfd[1], "w");
	assert_non_null(out);
	alarm(10);
	ctl_to(out, "watch", "-i", "10", "--json", NULL);
	alarm(0);
	expect_fail("vfoldctl: write error: Broken pipe\n");
	fclose(out);
	signal(SIGPIPE, SIG_DFL);
}

/* On a terminal, --json is JSON lines still: no escape codes. */
static void test_watch_tty_json(void **state)
{
	char buf[65536], name[64];
	struct winsize ws = { .ws_row = 12, .ws_col = 40 };
	ssize_t n, len = 0;
	int master, slave;
	FILE *out;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	assert_int_equal(ptsname_r(master, name, sizeof(name)), 0);
	slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
	out = fdopen(slave, "w");
	assert_non_null(out);
	ctl_to(out, "watch", "--json", "-i", "10", "-c", "2", NULL);
	assert_int_equal(r.rc, 0);
	fclose(out);
	while ((n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	assert_int_equal(buf[0], '{');
	assert_null(strchr(buf, '\033'));

	/* Not --json: drawn over, each line cut at the width. */
	slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	out = fdopen(slave, "w");
	ctl_to(out, "watch", "-i", "10", "-c", "1", NULL);
	assert_int_equal(r.rc, 0);
	fclose(out);
	len = 0;
	while ((n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(master);
	assert_non_null(strstr(buf, "\033[H"));
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *esc;

		/* The text before the line's escape code, or its '\r'. */
		while ((esc = strstr(line, "\033[")))
			memmove(esc, esc + 3 + strspn(esc + 2, "?0123456789"),
				strlen(esc + 3 + strspn(esc + 2,
							"?0123456789")) + 1);
		line[strcspn(line, "\r")] = '\0';
		assert_true(strlen(line) <= 40);
	}
}

static void test_no_governor(void **state)
{
	char *saved = root, path[512];

	(void)state;
	root = fakesys_new(2, NULL);
	ctl("mode", "steal", NULL);
	expect_fail("no paravirt_governor/mode: the kernel has no paravirt "
		    "governor (CONFIG_SCHED_PARAVIRT_GOVERNOR)");
	ctl("set", "hint", "1", NULL);
	expect_fail("CONFIG_SCHED_PARAVIRT_GOVERNOR");
	ctl("status", "-s", "0", NULL);
	expect_ok();
	assert_non_null(strstr(r.out, "governor:            none"));
	/* No /proc/stat here: steal unknown, not a failure. */
	assert_non_null(strstr(r.out, "steal:               - since boot"));
	fakesys_free(root);
	root = fakesys_new(2, NULL);
	snprintf(path, sizeof(path), "%s/" PV, root);
	unlink(path);
	ctl("status", NULL);
	expect_fail("no paravirt file: the kernel has no paravirt CPUs "
		    "(CONFIG_SCHED_PARAVIRT_CPUS)");
	ctl("fold", "1", NULL);
	expect_fail("CONFIG_SCHED_PARAVIRT_CPUS");
	fakesys_free(root);
	root = saved;
}

static void test_status_text(void **state)
{
	(void)state;
	fakesys_put(root, PV, "2\n");
	ctl("status", "--sample-ms", "0", NULL);
	expect_ok();
	assert_string_equal(r.out,
		"paravirt:            2 (1 of 4 online CPUs folded)\n"
		"online:              0-3\n"
		"offline:             4-5\n"
		"governor:            off (available: off steal hint smt)\n"
		"interval_ms:         100\n"
		"steal_high_permille: 50\n"
		"steal_low_permille:  20\n"
		"smt_low_permille:    500\n"
		"smt_high_permille:   800\n"
		"min_cpus:            1\n"
		"entitled_cpus:       0\n"
		"hint:                0 CPUs, held for hint_ttl_ms from each "
		"write\n"
		"hint_ttl_ms:         10000\n"
		"hint time left:      unknown (the kernel does not show it)\n"
		"counters:            intervals 12, folds 3, probes 1, "
		"reverts 0, mask_changes 4\n"
		"steal:               7.1% since boot\n"
		"\n"
		"CPU  STATE    STEAL%    PUSHES\n"
		"  0  kept        0.0        17\n"
		"  1  kept       25.0         0\n"
		"  2  folded      2.2         -\n"
		"  3  kept        2.2         -\n"
		"  4  offline       -         -\n"
		"  5  offline       -         -\n");
}

static struct json_object *field(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no \"%s\" in %s", k, json_object_to_json_string(o));
	return v;
}

static void test_status_json(void **state)
{
	struct json_object *j, *g, *cpus, *c;

	(void)state;
	fakesys_put(root, PV, "1,3\n");
	ctl("status", "--json", "-s", "0", NULL);
	expect_ok();
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(field(j, "paravirt")),
			    "1,3");
	assert_string_equal(json_object_get_string(field(j, "online")), "0-3");
	assert_string_equal(json_object_get_string(field(j, "possible")),
			    "0-5");
	assert_null(field(j, "sample_ms"));
	assert_string_equal(json_object_get_string(field(j, "steal_percent")),
			    "7.1");
	g = field(j, "governor");
	assert_string_equal(json_object_get_string(field(g, "mode")), "off");
	assert_int_equal(json_object_array_length(field(g,
			"available_modes")), 4);
	assert_int_equal(json_object_get_int(field(field(g, "knobs"),
						   "hint_ttl_ms")), 10000);
	assert_int_equal(json_object_get_int(field(field(g, "counters"),
						   "folds")), 3);
	assert_null(field(g, "hint_remaining_ms"));
	assert_null(field(g, "steal_permille"));
	cpus = field(j, "cpus");
	assert_int_equal(json_object_array_length(cpus), 6);
	c = json_object_array_get_idx(cpus, 1);
	assert_int_equal(json_object_get_int(field(c, "cpu")), 1);
	assert_string_equal(json_object_get_string(field(c, "state")),
			    "folded");
	assert_string_equal(json_object_get_string(field(c, "steal_percent")),
			    "25.0");
	assert_int_equal(json_object_get_int(field(c, "paravirt_pushes")), 0);
	c = json_object_array_get_idx(cpus, 0);
	assert_string_equal(json_object_get_string(field(c, "state")), "kept");
	assert_int_equal(json_object_get_int(field(c, "paravirt_pushes")), 17);
	c = json_object_array_get_idx(cpus, 2);
	assert_null(field(c, "paravirt_pushes"));
	c = json_object_array_get_idx(cpus, 5);
	assert_string_equal(json_object_get_string(field(c, "state")),
			    "offline");
	assert_null(field(c, "steal_percent"));
	json_object_put(j);
}

/* Not a terminal: each frame follows the last, heading and table. */
static void test_watch_plain(void **state)
{
	const char *p;
	int heads = 0;

	(void)state;
	ctl("watch", "--interval-ms", "10", "--count", "3", "-s", "0", NULL);
	expect_ok();
	for (p = r.out; (p = strstr(p, "CPU  STATE")); p++)
		heads++;
	assert_int_equal(heads, 3);
	assert_non_null(strstr(r.out, "paravirt none  mode off  steal 7.1%  "
			       "every 10 ms\n"));
	/* Since boot in the first frame, then nothing changed: unknown. */
	assert_non_null(strstr(r.out, "  1  kept       25.0         0\n"));
	assert_non_null(strstr(r.out, "  1  kept          -         0\n"));
	assert_null(strstr(r.out, "\033["));
	ctl("watch", "--json", "-i", "10", "-c", "2", NULL);
	expect_ok();
	p = strchr(r.out, '\n');
	assert_non_null(p);
	assert_non_null(strchr(p + 1, '\n'));
	assert_null(strchr(strchr(p + 1, '\n') + 1, '\n'));
	assert_int_equal(r.out[0], '{');
	assert_int_equal(p[1], '{');
}

/* Each test on a fresh tree. */
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_usage),
		T(test_fold),
		T(test_unfold),
		T(test_governor_owns_mask),
		T(test_sched_ext),
		T(test_mode),
		T(test_set),
		T(test_no_governor),
		T(test_status_text),
		T(test_status_json),
		T(test_watch_plain),
		T(test_missing_knob),
		T(test_mask_busy),
		T(test_write_error),
		T(test_watch_tty_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
