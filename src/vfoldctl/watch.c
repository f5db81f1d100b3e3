// SPDX-License-Identifier: GPL-2.0
/* vfoldctl watch; see watch.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "change.h"
#include "cli.h"
#include "status.h"
#include "watch.h"

#define CSI		"\033["
#define HIDE_CURSOR	CSI "?25l"
#define SHOW_CURSOR	CSI "?25h"
#define HOME		CSI "H"
#define CLEAR_SCREEN	CSI "2J"
#define CLEAR_LINE_END	CSI "K"
#define CLEAR_DOWN	CSI "J"

static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	(void)sig;
	stopped = 1;
}

/*
 * Sleeps @ms with SIGINT and SIGTERM let through only meanwhile (blocked
 * otherwise, so that none comes between a check and the sleep). Returns
 * true if one came.
 */
static bool sleep_ms(unsigned int ms, const sigset_t *open)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (!stopped)
		ppoll(NULL, 0, &ts, open);
	return stopped;
}

/* The terminal's size: 24x80 if unknown, at least 5 rows and 10 columns. */
static void term_size(FILE *out, unsigned int *rows, unsigned int *cols)
{
	struct winsize ws;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws))
		ws.ws_row = ws.ws_col = 0;
	*rows = ws.ws_row < 5 ? 24 : ws.ws_row;
	*cols = ws.ws_col < 10 ? 80 : ws.ws_col;
}

static void heading(FILE *f, const struct ctl_snapshot *prev,
		    const struct ctl_snapshot *cur, unsigned int interval_ms)
{
	char when[32], *list = malloc(VFOLD_CPUS_MAX * 5);
	double steal = ctl_steal_pct(prev, cur, -1);
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		 localtime_r(&now, &tm));
	if (list && vfold_cpulist_format(&cur->paravirt, list,
					 VFOLD_CPUS_MAX * 5) <= 0)
		strcpy(list, "none");
	fprintf(f, "%s  paravirt %s  mode %s  ", when, list ? list : "?",
		!cur->gov ? "none" : cur->mode[0] ? cur->mode : "?");
	if (steal < 0)
		fprintf(f, "steal -");
	else
		fprintf(f, "steal %.1f%%", steal);
	fprintf(f, "  every %u ms\n", interval_ms);
	free(list);
}

/*
 * A frame drawn over the last: each line cleared to its end, and cut at
 * @cols (the text is ASCII): a line that wrapped would take two rows of
 * the frame's budget, and push its top off the screen.
 */
static void redraw(FILE *out, const char *frame, unsigned int cols)
{
	const char *p = frame, *nl;
	size_t len;

	fputs(HOME, out);
	while ((nl = strchr(p, '\n'))) {
		len = (size_t)(nl - p);
		/* A full line needs no clearing; the cursor stays on it. */
		if (len >= cols)
			fwrite(p, 1, cols, out);
		else
			fwrite(p, 1, len, out);
		fputs(len >= cols ? "\n" : CLEAR_LINE_END "\n", out);
		p = nl + 1;
	}
	fputs(CLEAR_DOWN, out);
}

/* @screen: drawn over the last frame (a terminal, and not --json). */
static int frame(FILE *out, const struct ctl_snapshot *prev,
		 const struct ctl_snapshot *cur, const struct watch_opts *o,
		 bool screen)
{
	unsigned int rows, cols;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (o->json) {
		ctl_status_json_print(out, prev, cur, false);
		return 0;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	heading(f, prev, cur, o->interval_ms);
	/*
	 * A frame taller than the terminal would scroll and leave copies
	 * of itself above: heading, table head and "more" line fit too,
	 * a row each (redraw() cuts them at the terminal's width).
	 */
	term_size(out, &rows, &cols);
	ctl_cpu_table(f, prev, cur, screen ? rows - 4 : 0);
	if (fclose(f))
		return -ENOMEM;
	if (screen)
		redraw(out, buf, cols);
	else
		fprintf(out, "%s\n", buf);
	free(buf);
	return 0;
}

int ctl_watch(const struct ctl_env *env, const struct watch_opts *o,
	      FILE *out, FILE *errf)
{
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
	struct ctl_snapshot snap[2], *prev = NULL, *cur;
	/* JSON lines are for a program: never a terminal's escape codes. */
	bool screen = isatty(fileno(out)) && !o->json;
	sigset_t block, old_mask;
	unsigned int n, wait;
	bool said = false;
	int rc = 0;

	stopped = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (screen)
		fputs(HIDE_CURSOR HOME CLEAR_SCREEN, out);

	/* The first frame's steal is over a short sample, or since boot. */
	wait = o->sample_ms < o->interval_ms ? o->sample_ms : o->interval_ms;
	if (wait) {
		if (ctl_read(env, &snap[1], errf)) {
			rc = 1;
			goto out;
		}
		prev = &snap[1];
	}
	for (n = 0; !o->count || n < o->count; n++) {
		if (sleep_ms(n ? o->interval_ms : wait, &old_mask))
			break;
		cur = prev == &snap[0] ? &snap[1] : &snap[0];
		if (ctl_read(env, cur, errf)) {
			rc = 1;
			break;
		}
		if (frame(out, prev, cur, o, screen)) {
			fprintf(errf, "vfoldctl: out of memory\n");
			ctl_snapshot_free(cur);
			rc = 1;
			break;
		}
		if (prev)
			ctl_snapshot_free(prev);
		prev = cur;
		/* A closed pipe (watch | head -1) ends it, as a full disk. */
		if (ctl_out_error(out, errf)) {
			rc = 1;
			said = true;
			break;
		}
	}
	if (prev)
		ctl_snapshot_free(prev);
out:
	if (screen)
		fputs(SHOW_CURSOR, out);
	/* A write error once: a closed pipe stays closed. */
	if (said)
		fflush(out);
	else if (ctl_out_error(out, errf))
		rc = 1;
	/* A signal still pending comes to on_stop(), not to kill us now. */
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}
