// SPDX-License-Identifier: GPL-2.0
/* vfoldctl's command line; see cli.h. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array_size.h"
#include "change.h"
#include "cli.h"
#include "longopt.h"
#include "number.h"
#include "status.h"
#include "watch.h"

#define SAMPLE_MS_MAX		60000
#define INTERVAL_MS_MIN		10
#define INTERVAL_MS_MAX		3600000

/* The short options' letters; the long-only ones are 256 and on. */
#define SHORT_OPTS	"Js:i:c:h"
enum { OPT_SYSFS_ROOT = 256, OPT_PROC_ROOT };

/* Options given, for the check that the command takes them. */
enum {
	GIVEN_JSON = 1, GIVEN_SAMPLE = 2, GIVEN_INTERVAL = 4, GIVEN_COUNT = 8,
};

struct cmd {
	const char *name;
	int min_args, max_args;
	unsigned int takes;	/* GIVEN_* */
	const char *args;	/* for "needs ..." */
};

static const struct cmd cmds[] = {
	{ "status", 0, 0, GIVEN_JSON | GIVEN_SAMPLE, "" },
	{ "fold", 1, 1, 0, "a CPU list" },
	{ "unfold", 0, 1, 0, "" },
	{ "mode", 1, 1, 0, "a mode" },
	{ "set", 2, 2, 0, "a knob and a value" },
	{ "watch", 0, 0, GIVEN_JSON | GIVEN_SAMPLE | GIVEN_INTERVAL |
			 GIVEN_COUNT, "" },
};

static const char *const given_names[] = {
	"--json", "--sample-ms", "--interval-ms", "--count",
};

void ctl_usage(FILE *f)
{
	fprintf(f,
"Usage:\n"
" vfoldctl [options] status\n"
" vfoldctl [options] fold LIST\n"
" vfoldctl [options] unfold [LIST]\n"
" vfoldctl [options] mode MODE\n"
" vfoldctl [options] set KNOB VALUE\n"
" vfoldctl [options] watch\n"
"\n"
"Show and set the guest's paravirt (folded) CPUs and paravirt governor.\n"
"\n"
"Commands:\n"
" status          the paravirt CPUs, the governor's mode, knobs and\n"
"                 counters, steal, and each CPU's state and pushes\n"
" fold LIST       fold the CPUs of LIST, unfold the others\n"
" unfold [LIST]   unfold the CPUs of LIST, or all\n"
" mode MODE       set the governor's mode (off, steal, hint, smt: as\n"
"                 available_modes lists)\n"
" set KNOB VALUE  set a governor knob: interval_ms, steal_high_permille,\n"
"                 steal_low_permille, smt_low_permille, smt_high_permille,\n"
"                 min_cpus, entitled_cpus, hint, hint_ttl_ms\n"
" watch           the per-CPU table, redrawn in place on a terminal\n"
"\n"
"LIST is a cpulist, a subset of the kernel's syntax: N, N-M or N-M:S\n"
"(every S-th CPU), comma-separated: 2-3, 1,5, 0-7:2.\n"
"\n"
"Options:\n"
" -J, --json             JSON output (status; watch: one object a line)\n"
" -s, --sample-ms N      steal over N ms before the first report\n"
"                        (default 200; 0: since boot)\n"
" -i, --interval-ms N    watch: a frame every N ms (default 1000)\n"
" -c, --count N          watch: stop after N frames\n"
"     --sysfs-root DIR   sysfs at DIR (default /sys)\n"
"     --proc-root DIR    procfs at DIR (default /proc)\n"
" -h, --help             display this help\n"
"\n"
"Exit status:\n"
" 0  success\n"
" 1  failure: bad usage, a refused or failed write, an unreadable file\n"
"\n"
"For more details see vfoldctl(8).\n");
}

__attribute__((format(printf, 2, 3)))
static int usage_error(FILE *errf, const char *fmt, ...)
{
	va_list ap;

	fputs("vfoldctl: ", errf);
	va_start(ap, fmt);
	vfprintf(errf, fmt, ap);
	va_end(ap);
	fprintf(errf, "\nTry 'vfoldctl --help' for more information.\n");
	return 1;
}

static int number(const char *opt, const char *val, unsigned int min,
		  unsigned int max, unsigned int *v, FILE *errf)
{
	if (!vfold_parse_uint(val, min, max, v))
		return 0;
	return usage_error(errf, "%s takes %u..%u, not \"%s\"", opt, min,
			   max, val);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

static int status(const struct ctl_env *env, const struct watch_opts *o,
		  FILE *out, FILE *errf)
{
	struct ctl_snapshot snap[2], *prev = NULL, *cur = &snap[0];

	if (o->sample_ms) {
		if (ctl_read(env, &snap[1], errf))
			return 1;
		prev = &snap[1];
		sleep_ms(o->sample_ms);
	}
	if (ctl_read(env, cur, errf)) {
		if (prev)
			ctl_snapshot_free(prev);
		return 1;
	}
	if (o->json)
		ctl_status_json_print(out, prev, cur, true);
	else
		ctl_status_text(out, prev, cur);
	if (prev)
		ctl_snapshot_free(prev);
	ctl_snapshot_free(cur);
	return 0;
}

/*
 * The option that getopt_long() refused, as given. A long one is past
 * (argv[optind - 1]), with optopt 0 if unknown, else its own value (one
 * it does not take: "--json=1"); a short one's optopt is its letter.
 */
static int bad_option(char **argv, FILE *errf)
{
	bool known = optopt >= 256 || (optopt && optopt != ':' &&
					 strchr(SHORT_OPTS, optopt));
	const char *word = argv[optind - 1];

	if (known)
		return usage_error(errf, "%.*s takes no value",
				   (int)strcspn(word, "="), word);
	if (!optopt)
		return usage_error(errf, "unknown option %s", word);
	return usage_error(errf, "unknown option -%c", optopt);
}

/*
 * What could not be written to @out (a full disk, a closed pipe) is a
 * failure: 0, or 1 with the message.
 */
int ctl_out_error(FILE *out, FILE *errf)
{
	int err;

	errno = 0;
	if (!fflush(out) && !ferror(out))
		return 0;
	err = errno ? errno : EIO;
	fprintf(errf, "vfoldctl: write error: %s\n", strerror(err));
	return 1;
}

static int run(const struct cmd *c, char **args, const struct ctl_env *env,
	       const struct watch_opts *o, FILE *out, FILE *errf)
{
	if (!strcmp(c->name, "status"))
		return status(env, o, out, errf);
	if (!strcmp(c->name, "fold"))
		return ctl_fold(env, args[0], errf);
	if (!strcmp(c->name, "unfold"))
		return ctl_unfold(env, args[0], errf);
	if (!strcmp(c->name, "mode"))
		return ctl_mode(env, args[0], errf);
	if (!strcmp(c->name, "set"))
		return ctl_set(env, args[0], args[1], errf);
	return ctl_watch(env, o, out, errf);
}

int ctl_main(int argc, char **argv, FILE *out, FILE *errf)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "sample-ms", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT },
		{ "proc-root", required_argument, NULL, OPT_PROC_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch_opts o = { .interval_ms = 1000, .sample_ms = 200 };
	const char *sysfs_root = NULL, *proc_root = "/proc";
	const struct cmd *c = NULL;
	char *args[2] = { NULL, NULL };
	unsigned int given = 0, i;
	struct ctl_env env;
	int opt, nargs, lo = -1, rc;
	char msg[128];

	/* Options may follow the command too: "vfoldctl status --json". */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":" SHORT_OPTS, longopts,
				  &lo)) != -1) {
		if (lo >= 0 && vfold_longopt_check(argv, &longopts[lo], msg,
						   sizeof(msg)))
			return usage_error(errf, "%s", msg);
		lo = -1;
		switch (opt) {
		case 'J':
			o.json = true;
			given |= GIVEN_JSON;
			break;
		case 's':
			if (number("--sample-ms", optarg, 0, SAMPLE_MS_MAX,
				   &o.sample_ms, errf))
				return 1;
			given |= GIVEN_SAMPLE;
			break;
		case 'i':
			if (number("--interval-ms", optarg, INTERVAL_MS_MIN,
				   INTERVAL_MS_MAX, &o.interval_ms, errf))
				return 1;
			given |= GIVEN_INTERVAL;
			break;
		case 'c':
			if (number("--count", optarg, 1, UINT32_MAX, &o.count,
				   errf))
				return 1;
			given |= GIVEN_COUNT;
			break;
		case OPT_SYSFS_ROOT:
			sysfs_root = optarg;
			break;
		case OPT_PROC_ROOT:
			proc_root = optarg;
			break;
		case 'h':
			ctl_usage(out);
			return ctl_out_error(out, errf);
		case ':':
			return usage_error(errf, "%s needs a value",
					   argv[optind - 1]);
		default:
			return bad_option(argv, errf);
		}
	}
	if (optind == argc)
		return usage_error(errf, "no command");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			c = &cmds[i];
	if (!c)
		return usage_error(errf, "unknown command \"%s\"",
				   argv[optind]);
	nargs = argc - optind - 1;
	if (nargs < c->min_args)
		return usage_error(errf, "%s needs %s", c->name, c->args);
	if (nargs > c->max_args)
		return usage_error(errf, "unexpected argument \"%s\"",
				   argv[optind + 1 + c->max_args]);
	for (i = 0; i < 4; i++)
		if ((given & ~c->takes) & (1u << i))
			return usage_error(errf, "%s does not go with %s",
					   given_names[i], c->name);
	for (i = 0; i < (unsigned int)nargs; i++)
		args[i] = argv[optind + 1 + i];
	vfold_sysfs_init(&env.sys, sysfs_root);
	env.proc_root = proc_root;
	rc = run(c, args, &env, &o, out, errf);
	/* A failure said its own, watch's write error included. */
	return rc ? rc : ctl_out_error(out, errf);
}
