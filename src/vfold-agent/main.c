// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-agent: the guest's end of the hint protocol (docs/protocol.md).
 * Applies the host's targets through the paravirt governor's hint (or,
 * with --use steal or step, the steal they relay) and reports the
 * guest's CPUs and demand every interval.
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
#include "longopt.h"
#include "number.h"
#include "port.h"

#define SAMPLE_MS		100
#define INTERVAL_MS_MIN		100
#define INTERVAL_MS_MAX		60000

struct opts {
	const char *port;	/* NULL: find it by name */
	const char *sysfs_root;
	const char *proc_root;
	unsigned int interval_ms;
	enum agent_use use;
	bool verbose;
};

struct ctx {
	struct opts o;
	struct agent a;
	struct port p;
	char port_path[PATH_MAX];
	uint32_t seq;		/* of our next report */
	unsigned long bad;	/* messages rejected */
	uint32_t ttl_ms;	/* of the last target applied */
	uint32_t last_hint;	/* last hint logged; 0: none since release */
	/* The newest target of the lines read so far in one do_read(). */
	bool pending;
	uint32_t pending_seq;
	struct vfold_target pending_t;
	unsigned int superseded;	/* older targets of that read */
	/* Demand over the current interval. */
	struct demand_input d;
	uint64_t prev_ms, cur_ms;
	bool have_stat;
	bool measured;		/* the last interval's demand is known */
	uint32_t kept;		/* kept CPUs at the last report */
	uint32_t demand;	/* at the last report */
	/* CPU pressure (/proc/pressure/cpu) over the last interval. */
	bool psi_base;		/* psi_prev holds a total ... */
	uint64_t psi_prev, psi_prev_ms;	/* ... read then */
	bool has_psi;
	uint32_t psi;		/* psi_some_permille */
	uint64_t hint_until;	/* ms: the last target's ttl ends; 0: none */
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
"  -u, --use MODE         what decides the CPUs kept (default target):\n"
"                           target  the host's cpus, as the governor's hint\n"
"                           steal   the governor's own mode steal, fed the\n"
"                                   steal the host relays per vCPU through\n"
"                                   SYSFS/kernel/debug/paravirt_governor/\n"
"                                   inject_cpu_steal (a kernel with\n"
"                                   CONFIG_SCHED_PARAVIRT_STEAL_INJECT)\n"
"                           step    per target, the kept CPUs' mean relayed\n"
"                                   steal: above %d permille one core less,\n"
"                                   at most %d one more (as a hint)\n"
"  -v, --verbose          log every target and report\n"
"  -h, --help             this text\n"
"\n"
"Mode hint (steal with --use steal) is set by the first target. Without a\n"
"target for the last one's ttl_ms, or without the port, and on SIGTERM or\n"
"SIGINT (then it exits) it writes back the governor mode it found (hint\n"
"found is a dead agent's: off) and zeroes the steal it injected. A guest\n"
"whose agent dies unfolds by itself ttl_ms after the last target (with\n"
"--use steal, injected steal stays until an agent with --use steal starts).\n"
"\n"
"Exit status: 0 stopped by a signal, mode restored; 1 error (kernel without\n"
"the paravirt governor, a sysfs write at start or at exit failed);\n"
"2 bad arguments.\n", INTERVAL_MS_MIN, INTERVAL_MS_MAX, STEP_FOLD_ABOVE,
		STEP_UNFOLD_AT);
}

/* 0 to run, 1 for --help, -1 for a usage error (already printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "sysfs-root", required_argument, NULL, 's' },
		{ "proc-root", required_argument, NULL, 'P' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "use", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, lo = -1;
	char msg[128];

	*o = (struct opts){ .sysfs_root = VFOLD_SYSFS_ROOT,
			    .proc_root = "/proc", .interval_ms = 1000 };
	while ((c = getopt_long(argc, argv, "p:s:P:i:u:vh", longopts,
				&lo)) != -1) {
		if (lo >= 0 && vfold_longopt_check(argv, &longopts[lo], msg,
						   sizeof(msg))) {
			fprintf(stderr, "vfold-agent: %s\n", msg);
			goto bad;
		}
		lo = -1;
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
			if (vfold_parse_uint(optarg, INTERVAL_MS_MIN,
				       INTERVAL_MS_MAX, &o->interval_ms)) {
				fprintf(stderr, "vfold-agent: --interval-ms "
					"wants %d..%d, not \"%s\"\n",
					INTERVAL_MS_MIN, INTERVAL_MS_MAX,
					optarg);
				goto bad;
			}
			break;
		case 'u':
			if (agent_use_parse(optarg, &o->use)) {
				fprintf(stderr, "vfold-agent: --use wants "
					"target, steal or step, not \"%s\"\n",
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

/* Reads the CPU pressure's total now; 0 or -errno (no PSI). */
static int read_psi(struct ctx *c, uint64_t *total)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pressure/cpu", c->o.proc_root);
	return psi_read(path, total);
}

/*
 * The pressure since the last call, which starts the next interval:
 * c->has_psi only where the guest has PSI and a baseline was read.
 */
static void interval_psi(struct ctx *c)
{
	uint64_t total, now = now_ms();

	c->has_psi = false;
	if (read_psi(c, &total)) {
		c->psi_base = false;
		return;
	}
	if (c->psi_base) {
		c->psi = psi_permille(c->psi_prev, total,
				      now - c->psi_prev_ms);
		c->has_psi = now > c->psi_prev_ms;
	}
	c->psi_base = true;
	c->psi_prev = total;
	c->psi_prev_ms = now;
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
		interval_psi(c);	/* the baseline */
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

/*
 * Fills @r and keeps the CPUs the demand is measured against: kept CPUs
 * for the waiting tasks, online CPUs for the cap.
 */
static int read_cpus(struct ctx *c, struct vfold_report *r)
{
	int ret = agent_report(&c->a, c->demand, r);

	if (ret) {
		info("cannot read the CPUs for a report: %s", strerror(-ret));
		return ret;
	}
	c->kept = r->kept_cpus;
	c->d.nr_cpus = r->nr_cpus;
	return 0;
}

static void port_lost(struct ctx *c);

/*
 * Not before a demand was measured: a report of demand 0 from an agent
 * that just started would tell the host the guest is idle. An ack waits
 * for the first report (an interval at most).
 */
static void send_report(struct ctx *c)
{
	char line[VFOLD_MSG_MAX + 1];
	struct vfold_msg m = { .type = VFOLD_MSG_REPORT };
	int ret, n;

	if (read_cpus(c, &m.report))
		return;
	m.report.has_psi = c->has_psi;
	m.report.psi_some_permille = c->psi;
	if (c->p.fd < 0 || c->p.hup)
		return;
	if (!c->measured) {
		debug("no report yet: the demand is not measured");
		return;
	}
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
		port_lost(c);
	} else {
		debug("report %u: %.*s", c->seq, n - 1, line);
	}
	c->seq++;
}

/*
 * Without targets for the last one's ttl_ms (the host is gone or stuck)
 * or without a port, the mode found at start comes back: a guest "off"
 * unfolds at once, instead of the kernel's lapse of the hint, which
 * falls back to deciding from steal. The next target sets mode hint.
 */
static void release(struct ctx *c, const char *why)
{
	int ret;

	c->hint_until = 0;
	if (!agent_holds(&c->a))
		return;
	ret = agent_restore(&c->a);
	if (ret)
		info("%s: cannot restore governor mode %s%s: %s", why,
		     c->a.saved_mode, c->a.use == AGENT_USE_STEAL ?
		     " and zero the steal" : "", strerror(-ret));
	else
		info("%s: governor mode %s restored%s", why, c->a.saved_mode,
		     c->a.use == AGENT_USE_STEAL ? ", steal zeroed" : "");
	c->last_hint = 0;
}

static void on_target(struct ctx *c, uint32_t seq, const struct vfold_target *t)
{
	unsigned long stale = c->a.stale;
	bool engaged = c->a.engaged;
	int ret = agent_target(&c->a, seq, t);

	if (ret) {
		info("target %u rejected, nothing changed: %s", seq,
		     c->a.ack_error);
		if (c->a.stale != stale)
			info("%lu targets of an old seq so far", c->a.stale);
	} else if (c->a.use == AGENT_USE_STEAL) {
		debug("target %u: steal of %u vCPUs relayed", seq,
		      t->nr_steal);
	} else if (c->a.hint != c->last_hint || t->ttl_ms != c->ttl_ms) {
		if (c->a.use == AGENT_USE_STEP)
			info("target %u: steal %u permille on %u kept CPUs: "
			     "keep %u CPUs, hint lapses after %u ms", seq,
			     c->a.step_steal, c->a.step_kept, c->a.hint,
			     t->ttl_ms);
		else
			info("target %u: keep %u CPUs, hint lapses after "
			     "%u ms", seq, c->a.hint, t->ttl_ms);
		c->last_hint = c->a.hint;
	} else {
		debug("target %u: hint %u renewed", seq, c->a.hint);
	}
	if (c->a.engaged && !engaged)
		info("governor mode %s: targets come",
		     c->a.use == AGENT_USE_STEAL ? "steal" : "hint");
	if (!ret) {
		c->ttl_ms = t->ttl_ms;
		c->hint_until = now_ms() + t->ttl_ms;
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
/* The port failed (the device is gone): no target can come. */
static void port_lost(struct ctx *c)
{
	port_close(&c->p);
	agent_forget_seq(&c->a);
	release(c, "no port");
}

/*
 * The targets read are applied before a hangup read with them is
 * handled: they are the newest of the host that left. Its successor
 * numbers its targets anew, so the last seq is forgotten then.
 */
static void do_read(struct ctx *c)
{
	bool was_hup = c->p.hup;
	int ret = port_read(&c->p, on_line, c);

	if (c->pending) {
		if (c->superseded)
			info("%u older targets read with target %u skipped",
			     c->superseded, c->pending_seq);
		c->pending = false;
		c->superseded = 0;
		on_target(c, c->pending_seq, &c->pending_t);
	}
	if (ret) {
		info("%s: read: %s; reopening", c->port_path, strerror(-ret));
		port_lost(c);
	} else if (c->p.fd >= 0 && c->p.hup != was_hup) {
		info("host %s", c->p.hup ? "not connected" : "connected");
		if (c->p.hup)
			agent_forget_seq(&c->a);
	}
}

/* The kernel takes relayed steal (--use steal). */
static bool steal_input(const struct ctx *c)
{
	char path[PATH_MAX];

	return !vfold_sysfs_path(&c->a.sys, VFOLD_INJECT_STEAL, path,
				 sizeof(path)) && !access(path, F_OK);
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

/* The end of an interval: its demand and pressure, and the report. */
static void end_interval(struct ctx *c)
{
	c->demand = interval_demand(c);
	/* No /proc/stat read over the interval: nothing measured. */
	c->measured = c->d.elapsed_ms > 0;
	interval_psi(c);
	send_report(c);
}

/* The host silent for the last target's ttl_ms. */
static void check_silence(struct ctx *c, uint64_t now)
{
	char why[64];

	if (!c->hint_until || now < c->hint_until)
		return;
	snprintf(why, sizeof(why), "no target for %u ms (the last one's "
		 "ttl_ms)", c->ttl_ms);
	release(c, why);
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
		if (c->hint_until && until(c->hint_until, now) < timeout)
			timeout = until(c->hint_until, now);
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
		check_silence(c, now);
		if (now >= next_report) {
			end_interval(c);
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
	if (agent_start(&c.a, c.o.sysfs_root, c.o.use, err, sizeof(err))) {
		info("%s", err);
		return 1;
	}
	if (c.a.found_hint)
		info("governor mode was hint, left by an agent that did not "
		     "stop (hint mode is the agent's): taken as off, set off");
	if (c.a.found_steal)
		info("steal injected on %u CPUs, left by an agent that did not "
		     "stop: zeroed", c.a.found_steal);
	if (c.o.use == AGENT_USE_STEAL && !steal_input(&c))
		info("no %s/" VFOLD_INJECT_STEAL " (a kernel without "
		     "CONFIG_SCHED_PARAVIRT_STEAL_INJECT, or no debugfs): "
		     "targets are refused while it is missing", c.o.sysfs_root);
	info("governor mode %s; --use %s: mode %s while targets come",
	     c.a.saved_mode, agent_use_name(c.o.use),
	     c.o.use == AGENT_USE_STEAL ? "steal" : "hint");
	/* The first interval's waiting tasks count against the kept CPUs. */
	read_cpus(&c, &(struct vfold_report){ 0 });
	loop(&c, sfd);
	port_close(&c.p);
	if (!agent_holds(&c.a))
		return 0;
	ret = agent_restore(&c.a);
	if (ret) {
		info("cannot restore governor mode %s%s: %s", c.a.saved_mode,
		     c.o.use == AGENT_USE_STEAL ? " and zero the steal" : "",
		     strerror(-ret));
		return 1;
	}
	info("governor mode %s restored%s", c.a.saved_mode,
	     c.o.use == AGENT_USE_STEAL ? ", steal zeroed" : "");
	return 0;
}
