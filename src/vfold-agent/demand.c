// SPDX-License-Identifier: GPL-2.0
/* The guest's CPU demand; see demand.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand.h"
#include "file.h"
#include "protocol.h"

int procstat_parse(const char *text, struct vfold_cpustat *cs,
		   uint32_t *running)
{
	const char *run = vfold_find_line(text, "procs_running ");
	struct vfold_cpustat tmp;
	unsigned long r;
	char *end;

	if (!run || vfold_procstat_cpu(text, -1, &tmp))
		return -EINVAL;
	if (*run < '0' || *run > '9')
		return -EINVAL;
	errno = 0;
	r = strtoul(run, &end, 10);
	if (errno || r > UINT32_MAX || (*end && *end != '\n'))
		return -EINVAL;
	*cs = tmp;
	*running = (uint32_t)r;
	return 0;
}

uint32_t demand_waiting(uint32_t procs_running, uint32_t kept_cpus)
{
	/* Minus 1: the agent itself is running while it reads. */
	if (procs_running <= 1 || procs_running - 1 <= kept_cpus)
		return 0;
	return procs_running - 1 - kept_cpus;
}

static uint64_t busy(const struct vfold_cpustat *cs)
{
	return cs->user + cs->nice + cs->system + cs->irq + cs->softirq;
}

uint32_t demand_milli(const struct demand_input *in)
{
	uint64_t cap = (uint64_t)in->nr_cpus * 1000, d = 0;
	uint64_t b0 = busy(&in->prev), b1 = busy(&in->cur);

	/* Ticks / (ms * ticks per ms) = CPUs; x1000 for milli-CPUs. */
	if (in->elapsed_ms && in->clk_tck > 0 && b1 > b0)
		d = (b1 - b0) * 1000000 / (in->elapsed_ms *
					   (uint64_t)in->clk_tck);
	if (in->samples)
		d += in->waiting_sum * 1000 / in->samples;
	return (uint32_t)(d < cap ? d : cap);
}

int psi_parse(const char *text, uint64_t *total_us)
{
	const char *some = vfold_find_line(text, "some ");
	const char *p, *eol;
	unsigned long long v;
	char *end;

	if (!some)
		return -EINVAL;
	eol = strchr(some, '\n');
	p = strstr(some, " total=");
	if (!p || (eol && p > eol))
		return -EINVAL;
	p += strlen(" total=");
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end && *end != '\n' && *end != ' '))
		return -EINVAL;
	*total_us = v;
	return 0;
}

int psi_read(const char *path, uint64_t *total_us)
{
	char buf[512];
	int n = vfold_read_file(path, buf, sizeof(buf), false);

	return n < 0 ? n : psi_parse(buf, total_us);
}

uint32_t psi_permille(uint64_t prev_us, uint64_t cur_us, uint64_t elapsed_ms)
{
	uint64_t p;

	if (!elapsed_ms || cur_us <= prev_us)
		return 0;
	/* us / (ms * 1000) of the time, x1000: us / ms. */
	p = (cur_us - prev_us) / elapsed_ms;
	return (uint32_t)(p < VFOLD_PSI_MAX ? p : VFOLD_PSI_MAX);
}

int procstat_read(const char *path, struct vfold_cpustat *cs,
		  uint32_t *running)
{
	char *text;
	int ret = vfold_read_file_alloc(path, &text);

	if (ret < 0)
		return ret;
	ret = procstat_parse(text, cs, running);
	free(text);
	return ret;
}
