// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text format, version 0.0.4: what the node exporter's
 * textfile collector reads (*.prom in its directory). Not OpenMetrics:
 * no "# EOF" line, no timestamps (the collector refuses samples that
 * carry one), counters named with their _total. Each family has HELP
 * and TYPE lines before its samples; a family without samples (no VM
 * reported a demand) is left out.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "vm.h"

#define PREFIX	"vfold_hintd_"

enum vm_metric {
	M_VCPUS, M_TARGET, M_FLOOR, M_RUN, M_WAIT, M_DEMAND, M_SHARE,
	M_WEIGHT, M_GUEST_DEMAND, M_AGENT_ALIVE, NR_VM_METRICS,
};

static const struct {
	const char *name, *help;
} vm_metrics[NR_VM_METRICS] = {
	[M_VCPUS] = { "vm_vcpus", "vCPUs the VM has." },
	[M_TARGET] = { "vm_target_cpus",
		"vCPUs the VM is told to use (its target)." },
	[M_FLOOR] = { "vm_floor_cpus",
		"The VM's floor: no target below it (0: none)." },
	[M_RUN] = { "vm_run_cpus",
		"CPUs the VM's vCPU threads ran on over the interval." },
	[M_WAIT] = { "vm_wait_cpus",
		"CPUs the VM's vCPU threads waited for over the interval." },
	[M_DEMAND] = { "vm_demand_cpus", "The demand the decision used." },
	[M_SHARE] = { "vm_share_cpus", "CPUs the fair share gives the VM." },
	[M_WEIGHT] = { "vm_weight", "The VM's weight in the fair share." },
	[M_GUEST_DEMAND] = { "vm_guest_demand_cpus",
		"The demand the guest's agent last reported." },
	[M_AGENT_ALIVE] = { "vm_agent_alive",
		"1 if the guest's agent reports (targets are sent), else 0." },
};

/* VM @vm's value of @m, false if it has none. */
static bool vm_value(const struct vm *vm, enum vm_metric m, double *v)
{
	const struct policy_vm *p = &vm->pol;

	switch (m) {
	case M_VCPUS:
		*v = vm->info.nr_vcpus;
		break;
	case M_TARGET:
		*v = p->target;
		break;
	case M_FLOOR:
		*v = p->floor < vm->info.nr_vcpus ? p->floor :
		     vm->info.nr_vcpus;
		break;
	case M_RUN:
		*v = vm->use.run;
		break;
	case M_WAIT:
		*v = vm->use.wait;
		break;
	case M_DEMAND:
		*v = p->demand;
		break;
	case M_SHARE:
		*v = p->share;
		break;
	case M_WEIGHT:
		*v = p->weight;
		break;
	case M_GUEST_DEMAND:
		*v = vm->hint.report.demand_milli / 1000.0;
		return vm->hint.has_report;
	default:
		*v = vm->agent_alive;
		break;
	}
	return true;
}

/* Go's ParseFloat reads "NaN" and "+Inf", not C's "nan" and "inf". */
static void put_value(FILE *f, double v)
{
	if (v != v)
		fputs("NaN", f);
	else if (v > DBL_MAX || v < -DBL_MAX)
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.10g", v);
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_header(FILE *f, const char *name, const char *type,
		       const char *help)
{
	fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name,
		help, name, type);
}

static void put_host(FILE *f, const char *name, const char *type,
		     const char *help, double v)
{
	put_header(f, name, type, help);
	fprintf(f, PREFIX "%s ", name);
	put_value(f, v);
	fputc('\n', f);
}

int metrics_print(FILE *f, double capacity, struct vm *const *vms, size_t n,
		  const struct hintd_stats *st)
{
	enum vm_metric m;
	size_t i;
	double v;

	put_host(f, "capacity_cpus", "gauge",
		 "CPUs the VMs share (the host's capacity).", capacity);
	put_host(f, "vms", "gauge", "VMs found.", n);
	put_host(f, "decisions_total", "counter",
		 "Target changes since the daemon started.", st->decisions);
	put_host(f, "intervals_total", "counter",
		 "Intervals decided since the daemon started.", st->intervals);
	put_host(f, "scan_errors_total", "counter",
		 "Scans for VMs that failed since the daemon started.",
		 st->scan_errors);
	for (m = 0; m < NR_VM_METRICS; m++) {
		bool any = false;

		for (i = 0; i < n; i++) {
			if (!vm_value(vms[i], m, &v))
				continue;
			if (!any)
				put_header(f, vm_metrics[m].name, "gauge",
					   vm_metrics[m].help);
			any = true;
			fprintf(f, PREFIX "%s{vm=\"", vm_metrics[m].name);
			put_label(f, vms[i]->info.name);
			fputs("\"} ", f);
			put_value(f, v);
			fputc('\n', f);
		}
	}
	return ferror(f) ? -EIO : 0;
}

int metrics_write(const char *path, double capacity, struct vm *const *vms,
		  size_t n, const struct hintd_stats *st)
{
	char *tmp;
	FILE *f;
	int fd, err;

	/*
	 * Not *.prom: the collector skips it while it is being written.
	 * A new name each time, made by us alone (O_EXCL): a file or link
	 * another user left in the directory is never written through.
	 */
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = metrics_print(f, capacity, vms, n, st);
	if (fclose(f) && !err)
		err = -errno;
	/*
	 * No fsync: the file is remade every interval, and a crash loses
	 * nothing the next interval does not write again.
	 */
	if (!err && rename(tmp, path))
		err = -errno;
out:
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
