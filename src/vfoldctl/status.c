// SPDX-License-Identifier: GPL-2.0
/* vfoldctl's reports of a reading; see status.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define KEY	"%-21s"

/* A cpulist of @set, or NULL without memory; the caller frees it. */
static char *cpulist(const struct vfold_cpuset *set)
{
	size_t len = VFOLD_CPUS_MAX * 5;
	char *buf = malloc(len);

	if (buf && vfold_cpulist_format(set, buf, len) < 0)
		buf[0] = '\0';
	return buf;
}

static void key(FILE *f, const char *name)
{
	char k[64];

	snprintf(k, sizeof(k), "%s:", name);
	fprintf(f, KEY, k);
}

/* "%.1f" or "-" for an unknown share. */
static void pct(char *buf, size_t len, double p)
{
	if (p < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", p);
}

void ctl_cpu_table(FILE *f, const struct ctl_snapshot *prev,
		   const struct ctl_snapshot *cur, unsigned int max_rows)
{
	unsigned int cpu, rows = 0, rest = 0;
	char steal[16], pushes[24];

	fprintf(f, "%s\n", CTL_TABLE_HEAD);
	for (cpu = 0; cpu < cur->nr_ids; cpu++) {
		if (!vfold_cpuset_test(&cur->possible, cpu))
			continue;
		if (max_rows && rows == max_rows) {
			rest++;
			continue;
		}
		pct(steal, sizeof(steal), ctl_steal_pct(prev, cur, (int)cpu));
		if (cur->cpu[cpu].has_pushes)
			snprintf(pushes, sizeof(pushes), "%" PRIu64,
				 cur->cpu[cpu].pushes);
		else
			snprintf(pushes, sizeof(pushes), "-");
		fprintf(f, "%3u  %-7s %7s %9s\n", cpu,
			ctl_cpu_state(cur, cpu), steal, pushes);
		rows++;
	}
	if (rest)
		fprintf(f, "(%u more CPUs)\n", rest);
}

static void status_governor(FILE *f, const struct ctl_snapshot *s)
{
	int i;

	key(f, "governor");
	if (!s->gov) {
		fprintf(f, "none (kernel without "
			"CONFIG_SCHED_PARAVIRT_GOVERNOR)\n");
		return;
	}
	fprintf(f, "%s (available: %s)\n", s->mode[0] ? s->mode : "?",
		s->modes[0] ? s->modes : "?");
	for (i = 0; i < CTL_NR_KNOBS; i++) {
		key(f, ctl_knobs[i].name);
		if (!s->has_knob[i])
			fprintf(f, "-\n");
		else if (!strcmp(ctl_knobs[i].name, "hint"))
			fprintf(f, "%" PRIu64 " CPUs, held for hint_ttl_ms "
				"from each write\n", s->knob[i]);
		else
			fprintf(f, "%" PRIu64 "\n", s->knob[i]);
	}
	/* The kernel keeps the hint's time but does not show it. */
	key(f, "hint time left");
	fprintf(f, "unknown (the kernel does not show it)\n");
	key(f, "counters");
	for (i = 0; i < CTL_NR_COUNTERS; i++) {
		fprintf(f, "%s%s ", i ? ", " : "", ctl_counters[i]);
		if (s->has_counter[i])
			fprintf(f, "%" PRIu64, s->counter[i]);
		else
			fprintf(f, "-");
	}
	fprintf(f, "\n");
}

void ctl_status_text(FILE *f, const struct ctl_snapshot *prev,
		     const struct ctl_snapshot *cur)
{
	char *list = cpulist(&cur->paravirt), *online = cpulist(&cur->online);
	struct vfold_cpuset offline;
	char steal[16];

	key(f, "paravirt");
	fprintf(f, "%s (%u of %u online CPUs folded)\n",
		list && list[0] ? list : "none",
		vfold_cpuset_count(&cur->paravirt),
		vfold_cpuset_count(&cur->online));
	key(f, "online");
	fprintf(f, "%s\n", online ? online : "?");
	free(list);
	free(online);
	vfold_cpuset_andnot(&offline, &cur->possible, &cur->online);
	if (vfold_cpuset_count(&offline)) {
		list = cpulist(&offline);
		key(f, "offline");
		fprintf(f, "%s\n", list ? list : "?");
		free(list);
	}
	status_governor(f, cur);
	key(f, "steal");
	pct(steal, sizeof(steal), ctl_steal_pct(prev, cur, -1));
	fprintf(f, "%s%s", steal, strcmp(steal, "-") ? "%" : "");
	if (prev)
		fprintf(f, " over %" PRIu64 " ms", cur->ms - prev->ms);
	else
		fprintf(f, " since boot");
	if (cur->has_gov_steal)
		fprintf(f, " (governor's smoothed: %" PRIu64 " permille)",
			cur->gov_steal);
	fprintf(f, "\n\n");
	ctl_cpu_table(f, prev, cur, 0);
}

/* A share rounded to 0.1 %, serialized as such, or null. */
static struct json_object *json_pct(double p)
{
	char s[16];

	if (p < 0)
		return NULL;
	/* The value as shown: what a reader compares is what it sees. */
	snprintf(s, sizeof(s), "%.1f", p);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static struct json_object *json_u64(bool has, uint64_t v)
{
	return has ? json_object_new_uint64(v) : NULL;
}

static struct json_object *json_list(const struct vfold_cpuset *set)
{
	char *s = cpulist(set);
	struct json_object *o = json_object_new_string(s ? s : "");

	free(s);
	return o;
}

static struct json_object *json_governor(const struct ctl_snapshot *s)
{
	struct json_object *g, *modes, *knobs, *counters;
	char *m, *save = NULL, buf[sizeof(s->modes)];
	int i;

	if (!s->gov)
		return NULL;
	g = json_object_new_object();
	json_object_object_add(g, "mode", s->mode[0] ?
			       json_object_new_string(s->mode) : NULL);
	modes = json_object_new_array();
	strcpy(buf, s->modes);
	for (m = strtok_r(buf, " ", &save); m; m = strtok_r(NULL, " ", &save))
		json_object_array_add(modes, json_object_new_string(m));
	json_object_object_add(g, "available_modes", modes);
	knobs = json_object_new_object();
	for (i = 0; i < CTL_NR_KNOBS; i++)
		json_object_object_add(knobs, ctl_knobs[i].name,
				       json_u64(s->has_knob[i], s->knob[i]));
	json_object_object_add(g, "knobs", knobs);
	/* Not in the kernel's files: a hint's time left. */
	json_object_object_add(g, "hint_remaining_ms", NULL);
	counters = json_object_new_object();
	for (i = 0; i < CTL_NR_COUNTERS; i++)
		json_object_object_add(counters, ctl_counters[i],
				       json_u64(s->has_counter[i],
						s->counter[i]));
	json_object_object_add(g, "counters", counters);
	json_object_object_add(g, "steal_permille",
			       json_u64(s->has_gov_steal, s->gov_steal));
	return g;
}

struct json_object *ctl_status_json(const struct ctl_snapshot *prev,
				    const struct ctl_snapshot *cur)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cpus = json_object_new_array(), *c;
	unsigned int cpu;

	json_object_object_add(o, "paravirt", json_list(&cur->paravirt));
	json_object_object_add(o, "online", json_list(&cur->online));
	json_object_object_add(o, "possible", json_list(&cur->possible));
	json_object_object_add(o, "governor", json_governor(cur));
	json_object_object_add(o, "steal_percent",
			       json_pct(ctl_steal_pct(prev, cur, -1)));
	/* null: since boot. */
	json_object_object_add(o, "sample_ms",
			       prev ? json_object_new_uint64(cur->ms -
							     prev->ms) : NULL);
	for (cpu = 0; cpu < cur->nr_ids; cpu++) {
		if (!vfold_cpuset_test(&cur->possible, cpu))
			continue;
		c = json_object_new_object();
		json_object_object_add(c, "cpu", json_object_new_int((int)cpu));
		json_object_object_add(c, "state", json_object_new_string(
					       ctl_cpu_state(cur, cpu)));
		json_object_object_add(c, "steal_percent", json_pct(
				ctl_steal_pct(prev, cur, (int)cpu)));
		json_object_object_add(c, "paravirt_pushes",
				       json_u64(cur->cpu[cpu].has_pushes,
						cur->cpu[cpu].pushes));
		json_object_array_add(cpus, c);
	}
	json_object_object_add(o, "cpus", cpus);
	return o;
}

void ctl_status_json_print(FILE *f, const struct ctl_snapshot *prev,
			   const struct ctl_snapshot *cur, bool pretty)
{
	struct json_object *j = ctl_status_json(prev, cur);

	fprintf(f, "%s\n", json_object_to_json_string_ext(j,
			(pretty ? JSON_C_TO_STRING_PRETTY :
				  JSON_C_TO_STRING_PLAIN) |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}
