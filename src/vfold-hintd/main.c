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
#include "metrics.h"
#include "options.h"
#include "output.h"
#include "vm.h"

#define FLUSH_MS	200	/* at exit, for the last targets to go out */

struct daemon {
	struct opts o;
	struct backend **be;
	size_t nr_be;
	struct cgroup_ctx cg;
	bool cg_on;
	struct vm **vms;
	size_t n;
	struct vm_list scan;
	int scan_err;
	double capacity;
	struct hintd_stats stats;	/* for --metrics-file */
	int metrics_err;	/* the last write's, logged when it changes */
	/*
	 * The signal mask while waiting: SIGTERM, SIGINT and SIGHUP are
	 * blocked but then, so that none comes between the check of a
	 * flag and the wait (setup_signals()). Zero: none blocked.
	 */
	sigset_t wait_mask;
};

static volatile sig_atomic_t stop, reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

/* The --weight of VM @name, or 0 if none names it. */
static double weight_of(struct opts *o, const char *name)
{
	return opts_weight(o, name);
}

/* A --weight for no VM is fine (it may start later), but worth a word. */
static void warn_unknown_weights(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->o.nr_vmc; i++) {
		struct vm_conf *c = &d->o.vmc[i];

		if (c->warned || vm_list_find(&d->scan, c->name))
			continue;
		hintd_log("%s %s: no VM of that name (yet)",
			  c->weight > 0 ? "--weight" : "--floor", c->name);
		c->warned = true;
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

/* The operator's weight for it, else its manager's (libvirt), else 1. */
static double vm_weight(struct daemon *d, const struct vm_info *info)
{
	double w = weight_of(&d->o, info->name);

	if (w > 0)
		return w;
	return info->weight > 0 ? info->weight : 1;
}

static void place_cgroup(struct daemon *d, struct vm *vm)
{
	int r;

	if (!d->cg_on)
		return;
	/* Its manager weights its cgroup already; moving it would fight it. */
	if (vm->info.managed_cgroup) {
		vm->cgroup = VM_CGROUP_FOREIGN;
		snprintf(vm->cgroup_path, sizeof(vm->cgroup_path), "%s",
			 vm->info.backend->ops->name);
		hintd_log("cgroup: VM %s left in %s's cgroup", vm->info.name,
			  vm->cgroup_path);
		return;
	}
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

/*
 * Samples @vm's vCPUs into vm->use: from /proc where its threads are
 * known, else through its backend.
 */
static void measure_vm(struct vm *vm, uint64_t now)
{
	const struct backend *be = vm->info.backend;
	unsigned int n = vm->info.nr_vcpus;
	struct vcpu_sample *s;

	if (vm->info.tids) {
		measure_sample(&vm->meas, "/proc", vm->info.pid, vm->info.tids,
			       n, now, &vm->use);
		return;
	}
	s = calloc(n ? n : 1, sizeof(*s));
	/*
	 * Not read (libvirtd away): unknown, not idle, and the last good
	 * sample stays the base of the next delta.
	 */
	if (s && !be->ops->sample(be->priv, &vm->info, s, &now))
		measure_update(&vm->meas, s, n, now, &vm->use);
	else
		memset(&vm->use, 0, sizeof(vm->use));
	free(s);
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
	vm->pol.weight = vm_weight(d, info);
	if (info->managed_cgroup && weight_of(&d->o, info->name) > 0)
		hintd_log("vm %s: weight %g is the policy's only: its cgroup keeps its manager's shares (weight %g)",
			  info->name, vm->pol.weight, info->weight);
	hint_init(&vm->hint, vm->info.name, vm->info.hint_path);
	measure_vm(vm, now_ns());
	if (vm->info.pid)
		hintd_log("vm %s: found (pid %d, %u vCPUs, %s)", vm->info.name,
			  vm->info.pid, vm->info.nr_vcpus, vm->info.source);
	else
		hintd_log("vm %s: found (%u vCPUs, %s)", vm->info.name,
			  vm->info.nr_vcpus, vm->info.source);
	place_cgroup(d, vm);
	d->vms[d->n++] = vm;
}

/*
 * The same VM, rescanned: new thread ids after a vCPU hotplug, new
 * CPU shares or affinity.
 */
static void update_vm(struct daemon *d, struct vm *vm, struct vm_info *info)
{
	free(vm->info.tids);
	vm->info.tids = info->tids;
	vm->info.nr_vcpus = info->nr_vcpus;
	vm->info.weight = info->weight;
	vm->info.has_cpus = info->has_cpus;
	vm->info.cpus = info->cpus;
	/* A channel plugged or unplugged (libvirt): another socket. */
	if (strcmp(vm->info.hint_path, info->hint_path)) {
		hint_close(&vm->hint);
		snprintf(vm->info.hint_path, sizeof(vm->info.hint_path), "%s",
			 info->hint_path);
		hint_init(&vm->hint, vm->info.name, vm->info.hint_path);
	}
	info->tids = NULL;
	vm->seen = true;
	vm->pol.weight = vm_weight(d, &vm->info);
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
		hintd_log("vm %s: gone (%s)", vm->info.name, vm->info.source);
		free_vm(vm);
		d->vms[i] = d->vms[--d->n];
	}
}

static bool keep_cgroup(const char *name, void *arg)
{
	return find_vm(arg, name) != NULL;
}

/*
 * Asks backend @be for its VMs, appended to d->scan. A name another
 * backend has already is dropped: names key everything (weights,
 * cgroups, logs). Returns the backend's error.
 */
static int scan_backend(struct daemon *d, struct backend *be)
{
	size_t i, first = d->scan.n;
	int err;

	/* The backend logs its errors. */
	err = be->ops->scan(be->priv, &d->scan);
	for (i = first; i < d->scan.n; i++)
		d->scan.vms[i].backend = be;
	i = first;
	while (i < d->scan.n) {
		struct vm_info *info = &d->scan.vms[i];
		size_t k;

		/* Cleaned, truncated names may collide in one backend too. */
		for (k = 0; k < i; k++)
			if (!strcmp(d->scan.vms[k].name, info->name))
				break;
		if (k == i) {
			i++;
			continue;
		}
		hintd_log("vm %s (%s): the name of another VM (%s); skipped",
			  info->name, info->source, d->scan.vms[k].source);
		free(info->tids);
		d->scan.vms[i] = d->scan.vms[--d->scan.n];
	}
	return err;
}

static void scan_vms(struct daemon *d)
{
	size_t i, b;
	int err;

	vm_list_clear(&d->scan);
	d->scan_err = 0;
	for (i = 0; i < d->n; i++)
		d->vms[i]->seen = false;
	for (b = 0; b < d->nr_be; b++) {
		err = scan_backend(d, d->be[b]);
		if (!err)
			continue;
		d->scan_err = err;
		/*
		 * A backend that cannot answer (libvirtd restarting) loses
		 * no VM: they run on, and are measured when it is back.
		 */
		for (i = 0; i < d->n; i++)
			if (d->vms[i]->info.backend == d->be[b])
				d->vms[i]->seen = true;
	}
	for (i = 0; i < d->scan.n; i++) {
		struct vm_info *info = &d->scan.vms[i];
		struct vm *vm = find_vm(d, info->name);

		if (vm && (vm->info.instance != info->instance ||
			   vm->info.backend != info->backend))
			vm = NULL;	/* restarted: a new VM of that name */
		if (vm)
			update_vm(d, vm, info);
		else if (!find_vm(d, info->name))
			add_vm(d, info);
	}
	drop_gone(d);
	/* A restarted VM is added once its old self is dropped. */
	for (i = 0; i < d->scan.n; i++)
		if (d->scan.vms[i].nr_vcpus && !find_vm(d, d->scan.vms[i].name))
			add_vm(d, &d->scan.vms[i]);
	/* A failed scan knows no VM: it must not take their cgroups away. */
	if (d->cg_on && !d->scan_err)
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
	for (i = 0; i < d->n; i++) {
		const struct vm_info *info = &d->vms[i]->info;

		if (info->has_cpus)
			CPU_OR(&set, &set, &info->cpus);
		for (k = 0; info->tids && k < info->nr_vcpus; k++)
			measure_affinity(info->tids[k], &set);
	}
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

		measure_vm(vm, now);
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
	p->floor = opts_floor(&d->o, vm->info.name);
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
	d->stats.decisions += policy_decide(&d->o.pp, d->capacity, p, d->n);
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

/* Reads a backend's event fd empty; true if it had anything. */
static bool drain_events(int fd)
{
	char buf[64];
	bool any = false;

	while (read(fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

/*
 * Serves the hint sockets until @deadline (CLOCK_MONOTONIC ns), or until
 * a signal asks to stop: the signals come only inside ppoll(), so that
 * one that comes after the check of @stop ends the wait at once. A
 * backend's event (a VM started or stopped) rescans at once: a new VM is
 * measured from now, not from the next interval, and a stopped one is
 * dropped with its hint socket.
 */
static void wait_until(struct daemon *d, uint64_t deadline)
{
	struct pollfd *fds = NULL;
	struct timespec ts;
	uint64_t now;
	size_t i;

	while (!stop && (now = now_ns()) < deadline) {
		int ms = (deadline - now + 999999) / 1000000;
		size_t nfds = d->n + d->nr_be;
		/* Never 0 bytes: realloc() would free them, and fail. */
		struct pollfd *f = realloc(fds, (nfds ? nfds : 1) *
					   sizeof(*fds));
		bool rescan = false;

		if (!f)
			break;
		fds = f;
		for (i = 0; i < d->n; i++) {
			fds[i].fd = d->vms[i]->hint.fd;
			fds[i].events = hint_events(&d->vms[i]->hint);
			fds[i].revents = 0;
		}
		for (i = 0; i < d->nr_be; i++) {
			const struct backend *be = d->be[i];

			fds[d->n + i].fd = be->ops->event_fd ?
					   be->ops->event_fd(be->priv) : -1;
			fds[d->n + i].events = POLLIN;
			fds[d->n + i].revents = 0;
		}
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		if (ppoll(fds, nfds, &ts, &d->wait_mask) <= 0)
			continue;
		now = now_ns();
		for (i = 0; i < d->n; i++) {
			if (fds[i].revents & POLLOUT)
				hint_flush(&d->vms[i]->hint);
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				hint_receive(&d->vms[i]->hint, now);
		}
		for (i = 0; i < d->nr_be; i++)
			if (fds[d->n + i].revents & POLLIN)
				rescan |= drain_events(fds[d->n + i].fd);
		if (rescan)
			scan_vms(d);
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

/* The metrics file, no longer written: removed (not left stale). */
static void remove_metrics(struct daemon *d)
{
	if (unlink(d->o.metrics_file) && errno != ENOENT)
		hintd_log("--metrics-file %s: cannot remove it: %s",
			  d->o.metrics_file, strerror(errno));
	d->metrics_err = 0;
}

static void write_metrics(struct daemon *d)
{
	int err;

	if (!d->o.metrics_file)
		return;
	err = metrics_write(d->o.metrics_file, d->capacity, d->vms, d->n,
			    &d->stats);
	if (err && err != d->metrics_err)
		hintd_log("--metrics-file %s: %s", d->o.metrics_file,
			  strerror(-err));
	d->metrics_err = err;
}

/*
 * SIGHUP: the config file and the command line again. A bad file
 * changes nothing; a good one is in force from this interval on (the
 * weights, floors and parameters are read each interval), but for the
 * backends, which stay as they started.
 */
static void reload_config(struct daemon *d)
{
	struct opts_msgs m = { 0 };
	struct opts o;
	size_t i;

	if (!d->o.config) {
		hintd_log("SIGHUP: no --config file: nothing to reload");
		return;
	}
	if (opts_reload(&d->o, &o, &m)) {
		opts_msgs_print(&m, stderr);
		hintd_log("config %s not reloaded: the old one stays in force",
			  d->o.config);
		opts_msgs_free(&m);
		return;
	}
	opts_msgs_print(&m, stderr);
	opts_msgs_free(&m);
	/*
	 * A file no longer written must not stay: the collector would
	 * serve its last values, beside the new file's.
	 */
	if (d->o.metrics_file && (!o.metrics_file ||
				  strcmp(d->o.metrics_file, o.metrics_file)))
		remove_metrics(d);
	opts_free(&d->o);
	d->o = o;
	for (i = 0; i < d->n; i++) {
		struct vm *vm = d->vms[i];
		double w = vm_weight(d, &vm->info);

		if (w == vm->pol.weight)
			continue;
		vm->pol.weight = w;
		place_cgroup(d, vm);
	}
}

static void run(struct daemon *d)
{
	uint64_t deadline = now_ns();

	for (;;) {
		/* Each time: a reload may change it. */
		uint64_t interval = (uint64_t)d->o.interval_ms * 1000000;

		scan_vms(d);
		d->stats.scan_errors += d->scan_err != 0;
		deadline += interval;
		if (deadline < now_ns())
			deadline = now_ns() + interval;	/* a slow scan */
		wait_until(d, deadline);
		if (stop)
			break;
		if (reload) {
			reload = 0;
			reload_config(d);
		}
		measure_vms(d);
		decide(d);
		d->stats.intervals++;
		send_targets(d, false);
		output_interval(d->capacity, d->vms, d->n, d->o.json);
		write_metrics(d);
		if (d->o.once)
			return;	/* its file is what it was run for: kept */
	}
	unfold_all(d);
	/* Its values would be served as if the daemon ran on. */
	if (d->o.metrics_file)
		remove_metrics(d);
}

/*
 * First of all, so that a SIGHUP while the options are read (an init
 * script's reload at start) does not kill the daemon. SIGTERM, SIGINT
 * and SIGHUP stay blocked but in wait_until()'s ppoll(): each comes
 * there, and ends the wait at once (no SA_RESTART).
 */
static void setup_signals(struct daemon *d)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &d->wait_mask);
	sigdelset(&d->wait_mask, SIGTERM);
	sigdelset(&d->wait_mask, SIGINT);
	sigdelset(&d->wait_mask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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

/* The backends the options name: QMP sockets, libvirt, or both. */
static int open_backends(struct daemon *d)
{
	struct backend *b;

	d->be = calloc(2, sizeof(*d->be));
	if (!d->be)
		return -ENOMEM;
	if (d->o.nr_qmp || d->o.qmp_dir) {
		b = qmp_backend_new(d->o.qmp, d->o.nr_qmp, d->o.qmp_dir);
		if (!b)
			return -ENOMEM;
		d->be[d->nr_be++] = b;
	}
	if (d->o.libvirt_uri) {
		b = libvirt_backend_new(d->o.libvirt_uri);
		if (!b)
			return -ENOMEM;
		d->be[d->nr_be++] = b;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .scan_err = 0 };
	size_t i;
	int ret;

	setup_signals(&d);
	parse_args(&d.o, argc, argv);
	if (open_backends(&d) < 0) {
		hintd_log("out of memory");
		return 1;
	}
	setup_cgroup(&d);
	run(&d);

	for (i = 0; i < d.n; i++)
		free_vm(d.vms[i]);
	free(d.vms);
	vm_list_clear(&d.scan);
	free(d.scan.vms);
	for (i = 0; i < d.nr_be; i++)
		backend_free(d.be[i]);
	free(d.be);
	ret = d.o.once && d.scan_err ? 1 : 0;
	opts_free(&d.o);
	return ret;
}
