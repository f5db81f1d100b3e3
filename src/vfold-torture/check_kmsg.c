// SPDX-License-Identifier: GPL-2.0
/*
 * The splat checker: reads the kernel log (/dev/kmsg) from the start of
 * the run and fails no_splats on any message that console-badness.sh
 * would call badness, and on any lost message (the log overran: a splat
 * may be among them). The host checks the console too; this one puts a
 * result in the TAP and the message beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "torture.h"

#define KMSG_POLL_MS	100

static void message(struct tt *t, struct tt_splat *s, char *rec)
{
	char *msg = strchr(rec, ';'), *nl;

	if (!msg)
		return;
	msg++;
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	atomic_fetch_add(&t->inv[TT_I_SPLAT].checks, 1);
	if (tt_splat_match(s, msg))
		tt_fail(t, TT_I_SPLAT, "kernel: %s", msg);
}

/*
 * --bust no_splats: a real splat where the kernel can make one on demand,
 * SysRq 'l' (every CPU's backtrace, a "Call Trace:"; the torture kernel
 * has CONFIG_MAGIC_SYSRQ), else a warning line written to the log.
 */
static void bust(struct tt *t)
{
	static const char msg[] = "<4>vfold-torture: WARNING: --bust no_splats\n";
	int w = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (w >= 0 && write(w, "l", 1) == 1) {
		tt_note(t, "--bust no_splats: SysRq l (backtraces of all CPUs)");
		close(w);
		return;
	}
	if (w >= 0)
		close(w);
	tt_note(t, "--bust no_splats: no SysRq (%s): a WARNING line to /dev/kmsg",
		strerror(errno));
	w = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (w < 0 || write(w, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		tt_note(t, "--bust no_splats: /dev/kmsg: %s", strerror(errno));
	if (w >= 0)
		close(w);
}

void *tt_check_kmsg(void *arg)
{
	struct tt *t = arg;
	struct pollfd p = { .events = POLLIN };
	struct tt_splat s;
	char rec[8192];
	ssize_t n;

	tt_register_self(t);
	if (tt_splat_init(&s)) {
		tt_fail(t, TT_I_SPLAT, "cannot compile the splat patterns");
		return NULL;
	}
	p.fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (p.fd < 0) {
		tt_fail(t, TT_I_SPLAT, "/dev/kmsg: %s", strerror(errno));
		tt_splat_free(&s);
		return NULL;
	}
	/* Boot's messages are the console's to judge; ours start now. */
	lseek(p.fd, 0, SEEK_END);
	if (t->o.bust[TT_I_SPLAT])
		bust(t);
	for (;;) {
		n = read(p.fd, rec, sizeof(rec) - 1);
		if (n > 0) {
			rec[n] = '\0';
			message(t, &s, rec);
			continue;
		}
		if (n < 0 && errno == EPIPE) {
			tt_fail(t, TT_I_SPLAT,
				"kernel messages were lost (log overran)");
			continue;
		}
		/* Drain what is there after stop, then end. */
		if (atomic_load(&t->stop))
			break;
		poll(&p, 1, KMSG_POLL_MS);
	}
	close(p.fd);
	tt_splat_free(&s);
	return NULL;
}
