// SPDX-License-Identifier: GPL-2.0
/* vfold-bench's command line; see cli.h. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "number.h"

#define ERR_MAX		256
#define LINE_MAX_LEN	256

void bench_usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-bench wake [-m MSG_THREADS] [-w WORKERS] [-r SECONDS] [-s WORK_US]\n"
"       vfold-bench pipe [-l LOOPS]\n"
"Scheduler benchmarks for small guests. Each prints one line of key=value.\n"
"\n"
"wake: wakeup latency. Each message thread (-m, 1..%d, default 2) posts\n"
"  requests to its worker threads (-w, 1..%d, default 2; %d workers at most\n"
"  in all) and wakes them. A worker's latency runs from the post to its\n"
"  start; it then works WORK_US (-s, 1..%d, default 100) us of CPU, loops\n"
"  calibrated at start, and wakes the message thread. The run lasts SECONDS\n"
"  (-r, 1..%d, default 10). Prints\n"
"  wake: requests=N rps=R p50_us=X p90_us=X p99_us=X p999_us=X max_us=X\n"
"  seconds=S threads=M*W (one line; latencies and work in microseconds)\n"
"\n"
"pipe: two processes pass a token back and forth over two pipes LOOPS\n"
"  times (-l, 1..%d, default 100000). Prints\n"
"  pipe: loops=N seconds=S usecs_per_op=X ops_per_sec=N\n"
"\n"
"Exit status: 0 done; 1 a thread, process or pipe could not be made;\n"
"2 bad arguments.\n", WAKE_MSG_MAX, WAKE_WORKERS_MAX, WAKE_THREADS_MAX,
		WAKE_WORK_US_MAX, WAKE_SECONDS_MAX, PIPE_LOOPS_MAX);
}

/*
 * getopt() for a subcommand, silent: the caller words the errors. Its
 * state restarts at each call (optind 0), as tests parse many times.
 */
static int next_opt(int argc, char **argv, const char *opts, char *err,
		    size_t errlen)
{
	int c = getopt(argc, argv, opts);

	if (c == '?')
		snprintf(err, errlen, "%s: unknown option -%c", argv[0],
			 optopt);
	else if (c == ':')
		snprintf(err, errlen, "%s: -%c needs a value", argv[0],
			 optopt);
	return c;
}

static int bad_value(char *err, size_t errlen, const char *cmd, int opt,
		     const char *what, unsigned int max, const char *val)
{
	snprintf(err, errlen, "%s: -%c wants %s, 1..%u, not \"%s\"", cmd, opt,
		 what, max, val);
	return -EINVAL;
}

static int extra_args(int argc, char **argv, char *err, size_t errlen)
{
	if (optind == argc)
		return 0;
	snprintf(err, errlen, "%s: unexpected argument \"%s\"", argv[0],
		 argv[optind]);
	return -EINVAL;
}

int wake_parse_args(int argc, char **argv, struct wake_opts *o, char *err,
		    size_t errlen)
{
	unsigned int seconds = 10;
	int c;

	*o = (struct wake_opts){ .msg_threads = 2, .workers = 2,
				 .work_us = 100 };
	optind = 0;
	opterr = 0;
	while ((c = next_opt(argc, argv, "+:m:w:r:s:h", err, errlen)) != -1) {
		switch (c) {
		case 'm':
			if (vfold_parse_uint(optarg, 1, WAKE_MSG_MAX, &o->msg_threads))
				return bad_value(err, errlen, argv[0], c,
						 "message threads",
						 WAKE_MSG_MAX, optarg);
			break;
		case 'w':
			if (vfold_parse_uint(optarg, 1, WAKE_WORKERS_MAX, &o->workers))
				return bad_value(err, errlen, argv[0], c,
						 "workers a message thread",
						 WAKE_WORKERS_MAX, optarg);
			break;
		case 'r':
			if (vfold_parse_uint(optarg, 1, WAKE_SECONDS_MAX, &seconds))
				return bad_value(err, errlen, argv[0], c,
						 "seconds", WAKE_SECONDS_MAX,
						 optarg);
			break;
		case 's':
			if (vfold_parse_uint(optarg, 1, WAKE_WORK_US_MAX, &o->work_us))
				return bad_value(err, errlen, argv[0], c,
						 "microseconds of work",
						 WAKE_WORK_US_MAX, optarg);
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (extra_args(argc, argv, err, errlen))
		return -EINVAL;
	if (o->msg_threads * o->workers > WAKE_THREADS_MAX) {
		snprintf(err, errlen, "%s: -m %u x -w %u is %u workers, more "
			 "than %u", argv[0], o->msg_threads, o->workers,
			 o->msg_threads * o->workers, WAKE_THREADS_MAX);
		return -EINVAL;
	}
	o->run_ms = seconds * 1000;
	return 0;
}

int pipe_parse_args(int argc, char **argv, struct pipe_opts *o, char *err,
		    size_t errlen)
{
	int c;

	*o = (struct pipe_opts){ .loops = 100000 };
	optind = 0;
	opterr = 0;
	while ((c = next_opt(argc, argv, "+:l:h", err, errlen)) != -1) {
		switch (c) {
		case 'l':
			if (vfold_parse_uint(optarg, 1, PIPE_LOOPS_MAX, &o->loops))
				return bad_value(err, errlen, argv[0], c,
						 "loops", PIPE_LOOPS_MAX,
						 optarg);
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	return extra_args(argc, argv, err, errlen);
}

/* Exit status of a parse that did not return 0: -h or bad arguments. */
static int not_run(int ret, const char *err, FILE *out, FILE *errf)
{
	if (ret > 0) {
		bench_usage(out);
		return 0;
	}
	fprintf(errf, "vfold-bench: %s\n", err);
	bench_usage(errf);
	return 2;
}

static int run_wake(int argc, char **argv, FILE *out, FILE *errf)
{
	char err[ERR_MAX], line[LINE_MAX_LEN];
	struct wake_result *r;
	struct wake_opts o;
	int ret;

	ret = wake_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret)
		return not_run(ret, err, out, errf);
	/* Not on the stack: a small guest's threads have little. */
	r = malloc(sizeof(*r));
	if (!r) {
		fprintf(errf, "vfold-bench: wake: out of memory\n");
		return 1;
	}
	ret = wake_run(&o, r, err, sizeof(err));
	if (ret)
		fprintf(errf, "vfold-bench: wake: %s\n", err);
	else
		wake_format(line, sizeof(line), r);
	free(r);
	if (ret)
		return 1;
	fprintf(out, "%s\n", line);
	return 0;
}

static int run_pipe(int argc, char **argv, FILE *out, FILE *errf)
{
	char err[ERR_MAX], line[LINE_MAX_LEN];
	struct pipe_result r;
	struct pipe_opts o;
	int ret;

	ret = pipe_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret)
		return not_run(ret, err, out, errf);
	/* The child's death must show as an error, not kill us at a write. */
	signal(SIGPIPE, SIG_IGN);
	/* Nothing buffered may be written twice, by both processes. */
	fflush(out);
	fflush(errf);
	ret = pipe_run(&o, &r, err, sizeof(err));
	if (ret) {
		fprintf(errf, "vfold-bench: pipe: %s\n", err);
		return 1;
	}
	pipe_format(line, sizeof(line), &r);
	fprintf(out, "%s\n", line);
	return 0;
}

int bench_main(int argc, char **argv, FILE *out, FILE *errf)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd && (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))) {
		bench_usage(out);
		return 0;
	}
	if (cmd && !strcmp(cmd, "wake"))
		return run_wake(argc - 1, argv + 1, out, errf);
	if (cmd && !strcmp(cmd, "pipe"))
		return run_pipe(argc - 1, argv + 1, out, errf);
	if (cmd)
		fprintf(errf, "vfold-bench: unknown subcommand \"%s\"\n", cmd);
	else
		fprintf(errf, "vfold-bench: no subcommand\n");
	bench_usage(errf);
	return 2;
}
