// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd: tells each guest how many vCPUs to use when the host's
 * CPUs are overcommitted. Every interval: find the VMs (backend.h),
 * measure their vCPU threads (measure.c), decide (policy.c), send each
 * guest its target (hint.c) and print the view (output.c). See
 * docs/hintd.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cgroup.h"
#include "output.h"
#include "vm.h"

#define TTL_FLOOR_MS	10000	/* the guest kernel's default hint_ttl_ms */
#define FLUSH_MS	200	/* at exit, for the last targets to go out */

struct weight {
	char name[VM_NAME_MAX];
	double weight;
	bool warned;
};

struct opts {
	const char **qmp;
	size_t nr_qmp;
	const char *qmp_dir;
	unsigned int interval_ms;
	unsigned int ttl_ms;	/* sent with each target; 0 until parsed */
	double cpus;		/* 0: from the vCPU threads' affinity */
	bool once, json, dry_run, no_cgroup;
	const char *cgroup_root;
	struct weight *weights;
	size_t nr_weights;
	struct policy_params pp;
};

struct daemon {
	struct opts o;
	struct backend *be;
	struct cgroup_ctx cg;
	bool cg_on;
	struct vm **vms;
	size_t n;
	struct vm_list scan;
	int scan_err;
	double capacity;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-hintd [OPTION]... (--qmp PATH | --qmp-dir DIR)...\n"
"Tell each QEMU guest how many vCPUs to use while the host's CPUs are\n"
"overcommitted (the guest runs vfold-agent).\n"
"\n"
"  --qmp PATH           a VM's QMP socket (repeatable); its hint socket is\n"
"                       PATH with .hint for .qmp\n"
"  --qmp-dir DIR        every DIR/NAME.qmp, rescanned each interval, with\n"
"                       DIR/NAME.hint\n"
"  --interval-ms N      measure and decide every N ms (default 1000)\n"
"  --ttl-ms N           a target's lifetime in the guest: %d..%d,\n"
"                       over 2 intervals (default 5 intervals, at least %d)\n"
"  --cpus N             host CPUs the VMs share (default: the union of\n"
"                       their vCPU threads' affinity)\n"
"  --weight NAME=W      VM NAME's share, relative (default 1; repeatable)\n"
"  --headroom CPUS      spare CPUs per VM over its demand (default 0.1)\n"
"  --lower-after N      intervals before a target falls (default 3)\n"
"  --no-cgroup          do not put VMs into weighted cpu cgroups\n"
"  --cgroup-root DIR    the cgroup mount (default /sys/fs/cgroup)\n"
"  --once               one interval: measure, decide, print, exit\n"
"  --json               print each interval as one JSON line\n"
"  --dry-run            decide and print, but send nothing and touch no\n"
"                       cgroup\n"
"  --help               this help\n", VFOLD_TTL_MS_MIN, VFOLD_TTL_MS_MAX,
		TTL_FLOOR_MS);
}

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vfold-hintd: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'vfold-hintd --help'.\n");
	va_end(ap);
	exit(2);
}

static unsigned long parse_ulong(const char *opt, const char *s,
				 unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		usage_error("%s %s: expected an integer in %lu..%lu", opt, s,
			    min, max);
	}
	return v;
}

static double parse_positive(const char *opt, const char *s, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 || (zero_ok && v == 0)) ||
	    v > 1e6) {
		usage_error("%s %s: expected a number %s 0", opt, s,
			    zero_ok ? ">=" : ">");
	}
	return v;
}

static void parse_weight(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[VM_NAME_MAX], *end;
	struct vm_info tmp;
	struct weight *w;

	if (!eq || eq == arg)
		usage_error("--weight %s: expected NAME=WEIGHT", arg);
	w = realloc(o->weights, (o->nr_weights + 1) * sizeof(*w));
	if (!w)
		usage_error("out of memory");
	o->weights = w;
	w = &o->weights[o->nr_weights++];
	memset(w, 0, sizeof(*w));
	/* Named as the VM names are: the same characters replaced. */
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	vm_name_set(&tmp, name);
	snprintf(w->name, sizeof(w->name), "%s", tmp.name);
	errno = 0;
	w->weight = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || *end || !(w->weight > 0) ||
	    w->weight > 1e4)
		usage_error("--weight %s: the weight must be a number > 0 and <= 10000",
			    arg);
}

enum {
	OPT_QMP = 256, OPT_QMP_DIR, OPT_INTERVAL, OPT_TTL, OPT_CPUS, OPT_WEIGHT,
	OPT_HEADROOM, OPT_LOWER_AFTER, OPT_NO_CGROUP, OPT_CGROUP_ROOT,
	OPT_ONCE, OPT_JSON, OPT_DRY_RUN, OPT_HELP,
};

static const struct option options[] = {
	{ "qmp", required_argument, NULL, OPT_QMP },
	{ "qmp-dir", required_argument, NULL, OPT_QMP_DIR },
	{ "interval-ms", required_argument, NULL, OPT_INTERVAL },
	{ "ttl-ms", required_argument, NULL, OPT_TTL },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "headroom", required_argument, NULL, OPT_HEADROOM },
	{ "lower-after", required_argument, NULL, OPT_LOWER_AFTER },
	{ "no-cgroup", no_argument, NULL, OPT_NO_CGROUP },
	{ "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void parse_opt(struct opts *o, int c)
{
	switch (c) {
	case OPT_QMP:
		o->qmp = realloc(o->qmp, (o->nr_qmp + 1) * sizeof(*o->qmp));
		if (!o->qmp)
			usage_error("out of memory");
		o->qmp[o->nr_qmp++] = optarg;
		break;
	case OPT_QMP_DIR:
		if (o->qmp_dir)
			usage_error("--qmp-dir given twice");
		o->qmp_dir = optarg;
		break;
	case OPT_INTERVAL:
		o->interval_ms = parse_ulong("--interval-ms", optarg, 10,
					     600000);
		break;
	case OPT_TTL:
		o->ttl_ms = parse_ulong("--ttl-ms", optarg, VFOLD_TTL_MS_MIN,
					VFOLD_TTL_MS_MAX);
		break;
	case OPT_CPUS:
		o->cpus = parse_positive("--cpus", optarg, false);
		break;
	case OPT_WEIGHT:
		parse_weight(o, optarg);
		break;
	case OPT_HEADROOM:
		o->pp.headroom_cpus = parse_positive("--headroom", optarg,
						     true);
		break;
	case OPT_LOWER_AFTER:
		o->pp.lower_after = parse_ulong("--lower-after", optarg, 1,
						1000);
		break;
	case OPT_NO_CGROUP:
		o->no_cgroup = true;
		break;
	case OPT_CGROUP_ROOT:
		o->cgroup_root = optarg;
		break;
	case OPT_ONCE:
		o->once = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_HELP:
		usage(stdout);
		exit(0);
	default:
		usage_error("unknown option");
	}
}

/* The guest kernel's default, or more: 5 intervals. */
static unsigned int default_ttl_ms(unsigned int interval_ms)
{
	unsigned long ttl = 5ul * interval_ms;

	if (ttl < TTL_FLOOR_MS)
		ttl = TTL_FLOOR_MS;
	return ttl > VFOLD_TTL_MS_MAX ? VFOLD_TTL_MS_MAX : ttl;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	o->interval_ms = 1000;
	o->cgroup_root = "/sys/fs/cgroup";
	policy_defaults(&o->pp);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == '?')
			usage_error("unknown option or missing argument: %s",
				    argv[optind - 1]);
		parse_opt(o, c);
	}
	if (optind < argc)
		usage_error("unexpected argument: %s", argv[optind]);
	if (!o->nr_qmp && !o->qmp_dir)
		usage_error("no VMs: give --qmp PATH or --qmp-dir DIR");
	/*
	 * A target renewed every interval must outlive one late interval,
	 * or a guest would unfold between two of them.
	 */
	if (o->ttl_ms && o->ttl_ms <= 2ul * o->interval_ms)
		usage_error("--ttl-ms %u: must exceed 2 intervals (%lu ms)",
			    o->ttl_ms, 2ul * o->interval_ms);
	if (!o->ttl_ms)
		o->ttl_ms = default_ttl_ms(o->interval_ms);
}

static double weight_of(struct opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nr_weights; i++)
		if (!strcmp(o->weights[i].name, name))
			return o->weights[i].weight;
	return 1;
}

/* A --weight for no VM is fine (it may start later), but worth a word. */
static void warn_unknown_weights(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->o.nr_weights; i++) {
		struct weight *w = &d->o.weights[i];

		if (w->warned || vm_list_find(&d->scan, w->name))
			continue;
		hintd_log("--weight %s: no VM of that name (yet)", w->name);
		w->warned = true;
	}
}

static struct vm *find_vm(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->vms[i]->info.name, name))
			return d->vms[i];
	return NULL;
}

static void place_cgroup(struct daemon *d, struct vm *vm)
{
	int r;

	if (!d->cg_on)
		return;
	r = cgroup_place(&d->cg, vm->info.name, vm->info.pid,
			 vm->pol.weight, vm->cgroup_path,
			 sizeof(vm->cgroup_path));
	if (r == CGROUP_PLACED) {
		vm->cgroup = VM_CGROUP_PLACED;
		hintd_log("cgroup: VM %s in %s (weight %g)", vm->info.name,
			  vm->cgroup_path, vm->pol.weight);
	} else if (r == CGROUP_FOREIGN) {
		vm->cgroup = VM_CGROUP_FOREIGN;
		hintd_log("cgroup: VM %s already in cpu cgroup %s, left as is",
			  vm->info.name, vm->cgroup_path);
	} else {
		vm->cgroup = VM_CGROUP_FAILED;
		snprintf(vm->cgroup_path, sizeof(vm->cgroup_path), "%s",
			 strerror(-r));
		hintd_log("cgroup: VM %s: %s", vm->info.name, strerror(-r));
	}
}

/* Takes @info (and its tids) over; the VM's first sample is its baseline. */
static void add_vm(struct daemon *d, struct vm_info *info)
{
	struct vm **vms = realloc(d->vms, (d->n + 1) * sizeof(*vms));
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vms || !vm) {
		hintd_log("vm %s: out of memory", info->name);
		free(vm);
		d->vms = vms ? vms : d->vms;
		return;
	}
	d->vms = vms;
	vm->info = *info;
	info->tids = NULL;
	vm->seen = true;
	vm->pol.weight = info->weight > 0 ? info->weight :
			 weight_of(&d->o, info->name);
	hint_init(&vm->hint, vm->info.name, vm->info.hint_path);
	measure_sample(&vm->meas, "/proc", vm->info.pid, vm->info.tids,
		       vm->info.nr_vcpus, now_ns(), &vm->use);
	hintd_log("vm %s: found (pid %d, %u vCPUs, %s)", vm->info.name,
		  vm->info.pid, vm->info.nr_vcpus, vm->info.source);
	place_cgroup(d, vm);
	d->vms[d->n++] = vm;
}

/* The same VM, rescanned: new thread ids after a vCPU hotplug. */
static void update_vm(struct vm *vm, struct vm_info *info)
{
	free(vm->info.tids);
	vm->info.tids = info->tids;
	vm->info.nr_vcpus = info->nr_vcpus;
	info->tids = NULL;
	vm->seen = true;
	if (vm->pol.target > info->nr_vcpus)
		vm->pol.target = info->nr_vcpus;
}

static void free_vm(struct vm *vm)
{
	hint_close(&vm->hint);
	measure_free(&vm->meas);
	free(vm->info.tids);
	free(vm);
}

static void drop_gone(struct daemon *d)
{
	size_t i = 0;

	while (i < d->n) {
		struct vm *vm = d->vms[i];

		if (vm->seen) {
			i++;
			continue;
		}
		hintd_log("vm %s: gone (pid %d)", vm->info.name, vm->info.pid);
		free_vm(vm);
		d->vms[i] = d->vms[--d->n];
	}
}

static bool keep_cgroup(const char *name, void *arg)
{
	return find_vm(arg, name) != NULL;
}

static void scan_vms(struct daemon *d)
{
	size_t i;
	int err;

	vm_list_clear(&d->scan);
	/* The backend logs its errors. */
	err = d->be->ops->scan(d->be->priv, &d->scan);
	d->scan_err = err;
	for (i = 0; i < d->n; i++)
		d->vms[i]->seen = false;
	for (i = 0; i < d->scan.n; i++) {
		struct vm_info *info = &d->scan.vms[i];
		struct vm *vm = find_vm(d, info->name);

		if (vm && vm->info.pid != info->pid)
			vm = NULL;	/* restarted: a new VM of that name */
		if (vm)
			update_vm(vm, info);
		else if (!find_vm(d, info->name))
			add_vm(d, info);
	}
	drop_gone(d);
	/* A restarted VM is added once its old self is dropped. */
	for (i = 0; i < d->scan.n; i++)
		if (d->scan.vms[i].tids && !find_vm(d, d->scan.vms[i].name))
			add_vm(d, &d->scan.vms[i]);
	/* A failed scan knows no VM: it must not take their cgroups away. */
	if (d->cg_on && !err)
		cgroup_prune(&d->cg, keep_cgroup, d);
	warn_unknown_weights(d);
}

/* The CPUs the VMs may run on: the union of their vCPUs' affinity. */
static double host_capacity(struct daemon *d)
{
	cpu_set_t set;
	size_t i;
	unsigned int k;
	long online;

	if (d->o.cpus > 0)
		return d->o.cpus;
	CPU_ZERO(&set);
	for (i = 0; i < d->n; i++)
		for (k = 0; k < d->vms[i]->info.nr_vcpus; k++)
			measure_affinity(d->vms[i]->info.tids[k], &set);
	if (CPU_COUNT(&set))
		return CPU_COUNT(&set);
	online = sysconf(_SC_NPROCESSORS_ONLN);
	return online > 0 ? online : 1;
}

static void measure_vms(struct daemon *d)
{
	uint64_t now = now_ns();
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct vm *vm = d->vms[i];
		unsigned int had = vm->meas.n;

		measure_sample(&vm->meas, "/proc", vm->info.pid, vm->info.tids,
			       vm->info.nr_vcpus, now, &vm->use);
		if (had && !vm->use.threads)
			hintd_log("vm %s: no vCPU thread left to measure",
				  vm->info.name);
	}
	d->capacity = host_capacity(d);
}

/* Whole intervals since the guest's last report (any if none). */
static unsigned int report_age(const struct daemon *d, const struct vm *vm,
			       uint64_t now)
{
	uint64_t interval = (uint64_t)d->o.interval_ms * 1000000;
	uint64_t age = (now - vm->hint.report_ns) / interval;

	return age < UINT_MAX ? (unsigned int)age : UINT_MAX;
}

static void policy_inputs(struct daemon *d, struct vm *vm, uint64_t now)
{
	struct policy_vm *p = &vm->pol;

	p->nr_vcpus = vm->info.nr_vcpus;
	/* Not measured yet: as busy as it can be, until we know. */
	p->host_demand = vm->use.valid ? vm->use.run + vm->use.wait :
			 vm->info.nr_vcpus;
	p->has_guest = vm->hint.has_report;
	p->guest_demand = vm->hint.report.demand_milli / 1000.0;
	p->guest_age = report_age(d, vm, now);
}

static void decide(struct daemon *d)
{
	struct policy_vm *p = calloc(d->n ? d->n : 1, sizeof(*p));
	uint64_t now = now_ns();
	size_t i;

	if (!p) {
		hintd_log("out of memory: targets kept");
		return;
	}
	for (i = 0; i < d->n; i++) {
		policy_inputs(d, d->vms[i], now);
		p[i] = d->vms[i]->pol;
	}
	policy_decide(&d->o.pp, d->capacity, p, d->n);
	for (i = 0; i < d->n; i++) {
		d->vms[i]->pol = p[i];
		if (p[i].target != p[i].old_target && p[i].old_target)
			output_decision(d->vms[i], d->capacity);
	}
	free(p);
}

/*
 * An agent is alive while its reports are fresh by the policy's rule.
 * Targets for a guest without one would wait in QEMU's chardev: a
 * backlog for the next agent, and a fold of a guest that is still
 * booting the moment its agent opens the port.
 */
static bool agent_alive(struct daemon *d, struct vm *vm, uint64_t now)
{
	bool alive = policy_report_fresh(&d->o.pp, vm->hint.has_report,
					 report_age(d, vm, now));

	if (alive != vm->agent_alive)
		hintd_log("vm %s: %s", vm->info.name, alive ?
			  "agent reports: sending targets" :
			  "no fresh report from an agent: targets held back");
	vm->agent_alive = alive;
	return alive;
}

/*
 * Every hint socket is connected, for the reports; targets go only to
 * the guests whose agent is alive.
 */
static void send_targets(struct daemon *d, bool unfold)
{
	static const uint16_t no_steal[VFOLD_STEAL_MAX];
	uint64_t now = now_ns();
	size_t i;

	/* --once cannot hear an agent: connecting would only make it hang up. */
	if (d->o.dry_run || d->o.once)
		return;
	for (i = 0; i < d->n; i++) {
		struct vm *vm = d->vms[i];
		unsigned int cpus = unfold ? vm->info.nr_vcpus : vm->pol.target;

		if (!cpus || hint_connect(&vm->hint) ||
		    !agent_alive(d, vm, now))
			continue;
		/*
		 * The interval's steal, for a guest that folds by it; at
		 * exit none: what it relays is gone with this daemon.
		 */
		hint_send_target(&vm->hint, cpus, d->o.ttl_ms,
				 !vm->use.has_steal ? NULL :
				 unfold ? no_steal : vm->use.steal,
				 vm->use.nr_steal);
	}
}

/*
 * Serves the hint sockets until @deadline (CLOCK_MONOTONIC ns), or until
 * a signal asks to stop.
 */
static void wait_until(struct daemon *d, uint64_t deadline)
{
	struct pollfd *fds = calloc(d->n ? d->n : 1, sizeof(*fds));
	uint64_t now;
	size_t i;

	if (!fds)
		return;
	while (!stop && (now = now_ns()) < deadline) {
		int ms = (deadline - now + 999999) / 1000000;

		for (i = 0; i < d->n; i++) {
			fds[i].fd = d->vms[i]->hint.fd;
			fds[i].events = hint_events(&d->vms[i]->hint);
			fds[i].revents = 0;
		}
		if (poll(fds, d->n, ms) <= 0)
			continue;
		now = now_ns();
		for (i = 0; i < d->n; i++) {
			if (fds[i].revents & POLLOUT)
				hint_flush(&d->vms[i]->hint);
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				hint_receive(&d->vms[i]->hint, now);
		}
	}
	free(fds);
}

/*
 * Kinder than waiting for ttl_ms: every guest whose agent is alive gets
 * all its vCPUs back (the others have no agent to read it: their hint
 * lapses by itself).
 */
static void unfold_all(struct daemon *d)
{
	if (d->o.dry_run)
		return;
	hintd_log("exiting: every guest told to use all its vCPUs");
	send_targets(d, true);
	stop = 0;
	wait_until(d, now_ns() + FLUSH_MS * 1000000ull);
}

static void run(struct daemon *d)
{
	uint64_t interval = (uint64_t)d->o.interval_ms * 1000000;
	uint64_t deadline = now_ns();

	for (;;) {
		scan_vms(d);
		deadline += interval;
		if (deadline < now_ns())
			deadline = now_ns() + interval;	/* a slow scan */
		wait_until(d, deadline);
		if (stop)
			break;
		measure_vms(d);
		decide(d);
		send_targets(d, false);
		output_interval(d->capacity, d->vms, d->n, d->o.json);
		if (d->o.once)
			return;
	}
	unfold_all(d);
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: poll() returns at once, and we stop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void setup_cgroup(struct daemon *d)
{
	if (d->o.no_cgroup || d->o.dry_run)
		return;
	if (cgroup_init(&d->cg, d->o.cgroup_root, "/proc") < 0) {
		hintd_log("cgroup: no cpu controller under %s; VMs left in their cgroups",
			  d->o.cgroup_root);
		return;
	}
	d->cg_on = true;
}

int main(int argc, char **argv)
{
	struct daemon d = { .scan_err = 0 };
	size_t i;

	parse_args(&d.o, argc, argv);
	d.be = qmp_backend_new(d.o.qmp, d.o.nr_qmp, d.o.qmp_dir);
	if (!d.be) {
		hintd_log("out of memory");
		return 1;
	}
	setup_signals();
	setup_cgroup(&d);
	run(&d);

	for (i = 0; i < d.n; i++)
		free_vm(d.vms[i]);
	free(d.vms);
	vm_list_clear(&d.scan);
	free(d.scan.vms);
	backend_free(d.be);
	free(d.o.qmp);
	free(d.o.weights);
	return d.o.once && d.scan_err ? 1 : 0;
}
