// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-agent: the guest's end of the hint protocol (docs/protocol.md).
 * Applies the host's targets through the paravirt governor's hint and
 * reports the guest's CPUs and demand every interval.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "demand.h"
#include "port.h"

#define SAMPLE_MS		100
#define INTERVAL_MS_MIN		100
#define INTERVAL_MS_MAX		60000

struct opts {
	const char *port;	/* NULL: find it by name */
	const char *sysfs_root;
	const char *proc_root;
	unsigned int interval_ms;
	bool verbose;
};

struct ctx {
	struct opts o;
	struct agent a;
	struct port p;
	char port_path[PATH_MAX];
	uint32_t seq;		/* of our next report */
	unsigned long bad;	/* messages rejected */
	struct vfold_target last;	/* last target applied, to log changes */
	/* The newest target of the lines read so far in one do_read(). */
	bool pending;
	uint32_t pending_seq;
	struct vfold_target pending_t;
	unsigned int superseded;	/* older targets of that read */
	/* Demand over the current interval. */
	struct demand_input d;
	uint64_t prev_ms, cur_ms;
	bool have_stat;
	uint32_t kept;		/* kept CPUs at the last report */
	uint32_t demand;	/* at the last report */
	int stat_err;		/* last /proc/stat error logged */
	int find_err;		/* last port lookup error logged */
};

static bool verbose;

__attribute__((format(printf, 2, 3)))
static void logmsg(bool debug, const char *fmt, ...)
{
	va_list ap;

	if (debug && !verbose)
		return;
	va_start(ap, fmt);
	fputs("vfold-agent: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define info(...)	logmsg(false, __VA_ARGS__)
#define debug(...)	logmsg(true, __VA_ARGS__)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-agent [OPTION]...\n"
"Guest agent of vfold: keeps the number of vCPUs the host asks for over the\n"
"virtio-serial port \"" VFOLD_PORT_NAME "\" (paravirt governor mode hint)\n"
"and reports the guest's CPUs and demand (docs/protocol.md).\n"
"\n"
"  -p, --port PATH        the port's device (default: the /dev/vportNpM whose\n"
"                         SYSFS/class/virtio-ports/vportNpM/name matches)\n"
"  -s, --sysfs-root DIR   where sysfs is (default /sys)\n"
"  -P, --proc-root DIR    where procfs is (default /proc)\n"
"  -i, --interval-ms MS   report every MS ms, %d..%d (default 1000)\n"
"  -v, --verbose          log every target and report\n"
"  -h, --help             this text\n"
"\n"
"On SIGTERM or SIGINT it writes back the governor mode it found and exits.\n"
"A guest whose agent or host dies unfolds by itself ttl_ms after the last\n"
"target.\n"
"\n"
"Exit status: 0 stopped by a signal, mode restored; 1 error (kernel without\n"
"the paravirt governor, a sysfs write at start or at exit failed);\n"
"2 bad arguments.\n", INTERVAL_MS_MIN, INTERVAL_MS_MAX);
}

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *v)
{
	unsigned long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -EINVAL;
	*v = (unsigned int)x;
	return 0;
}

/* 0 to run, 1 for --help, -1 for a usage error (already printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "sysfs-root", required_argument, NULL, 's' },
		{ "proc-root", required_argument, NULL, 'P' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .sysfs_root = VFOLD_SYSFS_ROOT,
			    .proc_root = "/proc", .interval_ms = 1000 };
	while ((c = getopt_long(argc, argv, "p:s:P:i:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			o->port = optarg;
			break;
		case 's':
			o->sysfs_root = optarg;
			break;
		case 'P':
			o->proc_root = optarg;
			break;
		case 'i':
			if (parse_uint(optarg, INTERVAL_MS_MIN,
				       INTERVAL_MS_MAX, &o->interval_ms)) {
				fprintf(stderr, "vfold-agent: --interval-ms "
					"wants %d..%d, not \"%s\"\n",
					INTERVAL_MS_MIN, INTERVAL_MS_MAX,
					optarg);
				goto bad;
			}
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
	fprintf(stderr, "vfold-agent: unexpected argument \"%s\"\n",
		argv[optind]);
bad:
	fprintf(stderr, "Try 'vfold-agent --help'.\n");
	return -1;
}

static void sample(struct ctx *c)
{
	char path[PATH_MAX];
	uint32_t running;
	int ret;

	snprintf(path, sizeof(path), "%s/stat", c->o.proc_root);
	ret = procstat_read(path, &c->d.cur, &running);
	if (ret) {
		if (ret != c->stat_err)
			info("cannot read %s: %s; demand counts 0",
			     path, strerror(-ret));
		c->stat_err = ret;
		return;
	}
	c->stat_err = 0;
	c->cur_ms = now_ms();
	if (!c->have_stat) {
		c->d.prev = c->d.cur;
		c->prev_ms = c->cur_ms;
		c->have_stat = true;
	}
	c->d.waiting_sum += demand_waiting(running, c->kept);
	c->d.samples++;
}

/* The demand since the last call, which starts the next interval. */
static uint32_t interval_demand(struct ctx *c)
{
	uint32_t d;

	c->d.elapsed_ms = c->cur_ms - c->prev_ms;
	d = demand_milli(&c->d);
	c->d.prev = c->d.cur;
	c->prev_ms = c->cur_ms;
	c->d.waiting_sum = 0;
	c->d.samples = 0;
	return d;
}

static void send_report(struct ctx *c)
{
	char line[VFOLD_MSG_MAX + 1];
	struct vfold_msg m = { .type = VFOLD_MSG_REPORT };
	int ret, n;

	ret = agent_report(&c->a, c->demand, &m.report);
	if (ret) {
		info("cannot read the CPUs for a report: %s", strerror(-ret));
		return;
	}
	c->kept = m.report.kept_cpus;
	c->d.nr_cpus = m.report.nr_cpus;
	if (c->p.fd < 0 || c->p.hup)
		return;
	m.seq = c->seq;
	n = vfold_msg_encode(&m, line, sizeof(line));
	if (n < 0) {
		info("cannot encode a report: %s", strerror(-n));
		return;
	}
	ret = port_send(&c->p, line, (size_t)n);
	if (ret == -EAGAIN) {
		debug("report %u dropped: the port is full", c->seq);
	} else if (ret) {
		info("%s: write: %s; reopening", c->port_path, strerror(-ret));
		port_close(&c->p);
	} else {
		debug("report %u: %.*s", c->seq, n - 1, line);
	}
	c->seq++;
}

static void on_target(struct ctx *c, uint32_t seq, const struct vfold_target *t)
{
	if (agent_target(&c->a, seq, t)) {
		info("target %u rejected, nothing changed: %s", seq,
		     c->a.ack_error);
	} else if (t->cpus != c->last.cpus || t->ttl_ms != c->last.ttl_ms) {
		info("target %u: keep %u CPUs, hint lapses after %u ms", seq,
		     t->cpus, t->ttl_ms);
		c->last = *t;
	} else {
		debug("target %u: hint %u renewed", seq, t->cpus);
	}
	send_report(c);
}

static void on_line(void *ctx, int ret, const char *line)
{
	struct ctx *c = ctx;
	char err[128];
	struct vfold_msg m;

	if (ret > 0)
		ret = vfold_msg_decode(line, strlen(line), &m, err,
				       sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", ret == -EMSGSIZE ?
			 "line longer than 1024 bytes" : "NUL byte in line");
	if (!ret && m.type == VFOLD_MSG_TARGET) {
		/* Applied by do_read() once the port is drained. */
		if (c->pending)
			c->superseded++;
		c->pending = true;
		c->pending_seq = m.seq;
		c->pending_t = m.target;
		return;
	}
	if (!ret)
		snprintf(err, sizeof(err), "a %s from the host",
			 vfold_msg_type_name(m.type));
	c->bad++;
	info("bad message #%lu ignored: %s", c->bad, err);
}

static void try_open(struct ctx *c)
{
	int ret = 0;

	if (c->o.port)
		snprintf(c->port_path, sizeof(c->port_path), "%s", c->o.port);
	else
		ret = port_find(c->o.sysfs_root, VFOLD_PORT_NAME,
				c->port_path, sizeof(c->port_path));
	if (!ret)
		ret = port_open(&c->p, c->port_path);
	if (ret && ret != c->find_err)
		info("no port %s: %s; retrying every %u ms",
		     c->o.port ? c->o.port : VFOLD_PORT_NAME, strerror(-ret),
		     c->o.interval_ms);
	c->find_err = ret;
	if (!ret)
		info("port %s open", c->port_path);
}

/*
 * Of the targets read in one go only the newest is applied and acked:
 * the older ones are stale. Targets pile up in QEMU while no agent has
 * the port open (before the agent starts, after one died), and a new
 * agent reads them all at once; applying each would take the guest
 * through the host's past decisions (the kernel acts on every hint
 * written) and send a report for each.
 */
static void do_read(struct ctx *c)
{
	bool was_hup = c->p.hup;
	int ret = port_read(&c->p, on_line, c);

	if (ret) {
		info("%s: read: %s; reopening", c->port_path, strerror(-ret));
		port_close(&c->p);
	} else if (c->p.hup != was_hup) {
		info("host %s", c->p.hup ? "not connected" : "connected");
	}
	if (!c->pending)
		return;
	if (c->superseded)
		info("%u older targets read with target %u skipped",
		     c->superseded, c->pending_seq);
	c->pending = false;
	c->superseded = 0;
	on_target(c, c->pending_seq, &c->pending_t);
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int64_t until(uint64_t when, uint64_t now)
{
	return when > now ? (int64_t)(when - now) : 0;
}

/* Runs until a signal comes. */
static void loop(struct ctx *c, int sfd)
{
	uint64_t now = now_ms(), next_sample = now, next_open = now;
	uint64_t next_report = now + c->o.interval_ms;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	int64_t timeout;
	int nfds;

	for (;;) {
		if (c->p.fd < 0 && now >= next_open) {
			try_open(c);
			next_open = now + c->o.interval_ms;
		}
		timeout = until(next_sample < next_report ? next_sample :
				next_report, now);
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		/* While the host is away poll() would report POLLHUP at once. */
		nfds = 1;
		if (c->p.fd >= 0 && !c->p.hup)
			pfd[nfds++] = (struct pollfd){ .fd = c->p.fd,
						       .events = POLLIN };
		if (poll(pfd, nfds, (int)timeout) < 0 && errno != EINTR) {
			info("poll: %s", strerror(errno));
			return;
		}
		if (pfd[0].revents && read(sfd, &si, sizeof(si)) > 0) {
			info("signal %u: stopping", si.ssi_signo);
			return;
		}
		if (nfds > 1 && pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			do_read(c);
		now = now_ms();
		if (now >= next_sample) {
			sample(c);
			/* Reconnection shows as a read that would block. */
			if (c->p.fd >= 0 && c->p.hup)
				do_read(c);
			next_sample = now + SAMPLE_MS;
		}
		if (now >= next_report) {
			c->demand = interval_demand(c);
			send_report(c);
			next_report += c->o.interval_ms;
			if (next_report <= now)
				next_report = now + c->o.interval_ms;
		}
	}
}

int main(int argc, char **argv)
{
	static struct ctx c;
	char err[256];
	int ret, sfd;

	ret = parse_args(argc, argv, &c.o);
	if (ret > 0)
		usage(stdout);
	if (ret)
		return ret > 0 ? 0 : 2;
	verbose = c.o.verbose;
	c.d.clk_tck = sysconf(_SC_CLK_TCK);
	port_init(&c.p);
	sfd = signal_fd();
	if (sfd < 0) {
		info("signalfd: %s", strerror(errno));
		return 1;
	}
	if (agent_start(&c.a, c.o.sysfs_root, err, sizeof(err))) {
		info("%s", err);
		return 1;
	}
	info("governor mode hint (was %s)", c.a.saved_mode);
	loop(&c, sfd);
	port_close(&c.p);
	ret = agent_restore(&c.a);
	if (ret) {
		info("cannot restore governor mode %s: %s", c.a.saved_mode,
		     strerror(-ret));
		return 1;
	}
	info("governor mode %s restored", c.a.saved_mode);
	return 0;
}
