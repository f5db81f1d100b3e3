// SPDX-License-Identifier: GPL-2.0
/* /proc/stat's CPU lines; see procstat.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "procstat.h"

const char *vfold_find_line(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n))
			return p + n;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/*
 * The first seven fields are in every kernel since 2.6; steal came
 * after, so a missing steal reads as 0.
 */
int vfold_cpustat_parse(const char *fields, struct vfold_cpustat *cs)
{
	struct vfold_cpustat tmp = { 0 };
	int n;

	n = sscanf(fields, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &tmp.user, &tmp.nice, &tmp.system, &tmp.idle,
		   &tmp.iowait, &tmp.irq, &tmp.softirq, &tmp.steal);
	if (n < 7)
		return -EINVAL;
	*cs = tmp;
	return 0;
}

int vfold_procstat_cpu(const char *text, int cpu, struct vfold_cpustat *cs)
{
	const char *p;
	char key[24];

	if (cpu < 0)
		strcpy(key, "cpu ");
	else
		snprintf(key, sizeof(key), "cpu%d ", cpu);
	p = vfold_find_line(text, key);
	return p ? vfold_cpustat_parse(p, cs) : -ENOENT;
}

uint64_t vfold_cpustat_total(const struct vfold_cpustat *cs)
{
	return cs->user + cs->nice + cs->system + cs->idle + cs->iowait +
	       cs->irq + cs->softirq + cs->steal;
}
