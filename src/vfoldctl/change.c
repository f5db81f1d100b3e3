// SPDX-License-Identifier: GPL-2.0
/* vfoldctl's writes and their refusals; see change.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "number.h"

#define PARAVIRT	VFOLD_CPU_DIR "/paravirt"
#define MSG_MAX		512

static bool gov_on(const char *mode)
{
	return mode && mode[0] && strcmp(mode, "off");
}

static void refuse_einval(char *buf, size_t len, const char *file,
			  const char *val, unsigned int nr_ids)
{
	const struct ctl_knob *k = ctl_knob_find(file);

	if (!strcmp(file, PARAVIRT))
		snprintf(buf, len, "the kernel refused paravirt CPUs \"%s\": "
			 "a CPU offline or not present, or every online CPU",
			 val);
	else if (!strcmp(file, "mode"))
		snprintf(buf, len, "the kernel refused mode \"%s\" (see "
			 "available_modes)", val);
	else if (k)
		snprintf(buf, len, "%s takes %u..%u%s%s, not \"%s\"", k->name,
			 k->min, ctl_knob_max(k, nr_ids),
			 k->below ? " below " : k->above ? " above " : "",
			 k->below ? k->below : k->above ? k->above : "", val);
	else
		snprintf(buf, len, "the kernel refused \"%s\" for %s", val,
			 file);
}

void ctl_refusal(char *buf, size_t len, const char *file, const char *val,
		 int err, const char *mode, unsigned int nr_ids)
{
	bool pv = !strcmp(file, PARAVIRT);
	const char *name = pv ? "paravirt" : file;

	switch (err) {
	case EACCES:
	case EPERM:
		snprintf(buf, len, "cannot write %s: permission denied "
			 "(needs root)", name);
		break;
	case ENOENT:
		if (pv)
			snprintf(buf, len, "no %s file: the kernel has no "
				 "paravirt CPUs (CONFIG_SCHED_PARAVIRT_CPUS)",
				 name);
		else
			snprintf(buf, len, "no paravirt_governor/%s: the "
				 "kernel has no paravirt governor "
				 "(CONFIG_SCHED_PARAVIRT_GOVERNOR)", name);
		break;
	case EBUSY:
		if (pv && gov_on(mode))
			snprintf(buf, len, "the governor (mode %s) sets the "
				 "paravirt CPUs; 'vfoldctl mode off' first",
				 mode);
		else if (pv)
			snprintf(buf, len, "a BPF scheduler (sched_ext) is "
				 "loaded: no CPU can be folded until it is "
				 "unloaded");
		else
			snprintf(buf, len, "cannot write %s: %s", name,
				 strerror(err));
		break;
	case EINVAL:
		refuse_einval(buf, len, file, val, nr_ids);
		break;
	default:
		snprintf(buf, len, "cannot write %s: %s", name, strerror(err));
	}
}

/* Prints the refusal of @err (positive) and returns the exit status. */
static int refused(FILE *errf, const char *file, const char *val, int err,
		   const struct ctl_snapshot *s)
{
	char msg[MSG_MAX];

	/* The governor is there, but not this file: an older kernel's. */
	if (err == ENOENT && s && s->gov && strcmp(file, PARAVIRT)) {
		if (ctl_knob_find(file))
			fprintf(errf, "vfoldctl: no knob %s in this kernel "
				"(no paravirt_governor/%s)\n", file, file);
		else
			fprintf(errf, "vfoldctl: no paravirt_governor/%s in "
				"this kernel\n", file);
		return 1;
	}
	ctl_refusal(msg, sizeof(msg), file, val, err, s ? s->mode : NULL,
		    s ? s->nr_ids : 0);
	fprintf(errf, "vfoldctl: %s\n", msg);
	return 1;
}

int ctl_mask_refused(const struct ctl_env *env, const struct ctl_snapshot *s,
		     const char *list, int err, FILE *errf)
{
	char msg[MSG_MAX], mode[sizeof(s->mode)];

	if (err != EBUSY || !s->gov)
		return refused(errf, PARAVIRT, list, err, s);
	/*
	 * Busy with the mode read as off: the governor may have been
	 * turned on since (it owns the mask then), or sched_ext refused.
	 * The mode of now tells them apart.
	 */
	if (vfold_gov_read(&env->sys, "mode", mode, sizeof(mode)) < 0)
		snprintf(mode, sizeof(mode), "%s", s->mode);
	ctl_refusal(msg, sizeof(msg), PARAVIRT, list, err, mode, s->nr_ids);
	fprintf(errf, "vfoldctl: %s\n", msg);
	return 1;
}

int ctl_read(const struct ctl_env *env, struct ctl_snapshot *snap,
	     FILE *errf)
{
	const char *file;
	int ret = ctl_snapshot_read(env, snap, &file);

	if (!ret)
		return 0;
	ctl_snapshot_free(snap);
	if (ret == -ENOENT && !strcmp(file, PARAVIRT))
		return refused(errf, file, "", ENOENT, NULL);
	fprintf(errf, "vfoldctl: cannot read %s/%s: %s\n", env->sys.root,
		file, strerror(-ret));
	return 1;
}

/* Parses a cpulist of the command line, or says why not. */
static int parse_list(const char *list, struct vfold_cpuset *set, FILE *errf)
{
	int ret = vfold_cpulist_parse(list, set);

	if (ret == -ERANGE)
		fprintf(errf, "vfoldctl: invalid CPU list \"%s\": CPUs are "
			"numbered below %d\n", list, VFOLD_CPUS_MAX);
	else if (ret)
		fprintf(errf, "vfoldctl: invalid CPU list \"%s\" (e.g. "
			"\"2-3\", \"1,5\", \"0-7:2\")\n", list);
	return ret;
}

/* The mask as @list says, once the kernel's refusals are ruled out. */
static int write_mask(const struct ctl_env *env,
		      const struct ctl_snapshot *s,
		      const struct vfold_cpuset *set, const char *list,
		      FILE *errf)
{
	char scx[32];
	int ret;

	if (gov_on(s->mode))
		return refused(errf, PARAVIRT, list, EBUSY, s);
	/* Loaded, loading or unloading: the kernel refuses a mark. */
	if (vfold_cpuset_count(set) &&
	    vfold_sysfs_read(&env->sys, CTL_SCX_STATE, scx, sizeof(scx)) > 0 &&
	    strcmp(scx, "disabled"))
		return refused(errf, PARAVIRT, list, EBUSY, s);
	ret = vfold_paravirt_write(&env->sys, set);
	return ret ? ctl_mask_refused(env, s, list, -ret, errf) : 0;
}

int ctl_fold(const struct ctl_env *env, const char *list, FILE *errf)
{
	struct vfold_cpuset set, off;
	struct ctl_snapshot s;
	char *text;
	int ret = 1;

	if (parse_list(list, &set, errf))
		return 1;
	/* "" would unfold them all: that is unfold's to say. */
	if (!vfold_cpuset_count(&set)) {
		fprintf(errf, "vfoldctl: fold needs at least one CPU; "
			"'vfoldctl unfold' unfolds them all\n");
		return 1;
	}
	if (ctl_read(env, &s, errf))
		return 1;
	vfold_cpuset_andnot(&off, &set, &s.online);
	text = malloc(VFOLD_CPUS_MAX * 5);
	if (!text) {
		fprintf(errf, "vfoldctl: out of memory\n");
		goto out;
	}
	if (vfold_cpuset_count(&off)) {
		vfold_cpulist_format(&off, text, VFOLD_CPUS_MAX * 5);
		fprintf(errf, "vfoldctl: cannot fold %s: not online\n", text);
		goto out;
	}
	vfold_cpuset_andnot(&off, &s.online, &set);
	if (vfold_cpuset_count(&s.online) && !vfold_cpuset_count(&off)) {
		vfold_cpulist_format(&s.online, text, VFOLD_CPUS_MAX * 5);
		fprintf(errf, "vfoldctl: cannot fold every online CPU (%s): "
			"one must stay kept\n", text);
		goto out;
	}
	ret = write_mask(env, &s, &set, list, errf);
out:
	free(text);
	ctl_snapshot_free(&s);
	return ret;
}

int ctl_unfold(const struct ctl_env *env, const char *list, FILE *errf)
{
	struct vfold_cpuset set, mask;
	struct ctl_snapshot s;
	int ret;

	vfold_cpuset_zero(&set);
	if (list && parse_list(list, &set, errf))
		return 1;
	if (ctl_read(env, &s, errf))
		return 1;
	/* No list: all of them. */
	if (list)
		vfold_cpuset_andnot(&mask, &s.paravirt, &set);
	else
		vfold_cpuset_zero(&mask);
	ret = write_mask(env, &s, &mask, list ? list : "", errf);
	ctl_snapshot_free(&s);
	return ret;
}

/* @word is one of the blank-separated words of @words. */
static bool has_word(const char *words, const char *word)
{
	size_t n = strlen(word);
	const char *p = words;

	while ((p = strstr(p, word))) {
		if ((p == words || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

int ctl_mode(const struct ctl_env *env, const char *mode, FILE *errf)
{
	struct ctl_snapshot s;
	int ret;

	if (ctl_read(env, &s, errf))
		return 1;
	if (!s.gov) {
		ret = refused(errf, "mode", mode, ENOENT, &s);
	} else if (s.modes[0] && (!mode[0] || strpbrk(mode, " \t\n") ||
				  !has_word(s.modes, mode))) {
		fprintf(errf, "vfoldctl: unknown mode \"%s\" (available: "
			"%s)\n", mode, s.modes);
		ret = 1;
	} else {
		ret = vfold_gov_write(&env->sys, "mode", mode);
		ret = ret ? refused(errf, "mode", mode, -ret, &s) : 0;
	}
	ctl_snapshot_free(&s);
	return ret;
}

static void knob_names(FILE *f)
{
	for (int i = 0; i < CTL_NR_KNOBS; i++)
		fprintf(f, " %s", ctl_knobs[i].name);
	fprintf(f, "\n");
}

/* Not a knob: say what it is and which are. */
static int not_knob(const char *name, FILE *errf)
{
	bool counter = false;

	for (int i = 0; i < CTL_NR_COUNTERS; i++)
		counter |= !strcmp(name, ctl_counters[i]);
	if (!strcmp(name, "mode"))
		fprintf(errf, "vfoldctl: the mode is set by 'vfoldctl mode "
			"MODE'\n");
	else if (counter || !strcmp(name, "available_modes"))
		fprintf(errf, "vfoldctl: %s is read-only; knobs:", name);
	else
		fprintf(errf, "vfoldctl: unknown knob \"%s\"; knobs:", name);
	if (strcmp(name, "mode"))
		knob_names(errf);
	return 1;
}

/* The ordering the kernel keeps between low and high; 0 if kept. */
static int check_order(const struct ctl_knob *k, unsigned int v,
		       const struct ctl_snapshot *s, FILE *errf)
{
	const char *other = k->below ? k->below : k->above;
	const struct ctl_knob *o;
	uint64_t ov;

	if (!other)
		return 0;
	o = ctl_knob_find(other);
	if (!s->has_knob[o - ctl_knobs])
		return 0;	/* the kernel checks it */
	ov = s->knob[o - ctl_knobs];
	if (k->below ? v < ov : v > ov)
		return 0;
	fprintf(errf, "vfoldctl: %s must stay %s %s, which is %llu\n",
		k->name, k->below ? "below" : "above", other,
		(unsigned long long)ov);
	return 1;
}

int ctl_set(const struct ctl_env *env, const char *knob, const char *val,
	    FILE *errf)
{
	const struct ctl_knob *k = ctl_knob_find(knob);
	struct ctl_snapshot s;
	char num[16];
	unsigned int v;
	int ret = 1;

	if (!k)
		return not_knob(knob, errf);
	if (ctl_read(env, &s, errf))
		return 1;
	if (!s.gov) {
		ret = refused(errf, knob, val, ENOENT, &s);
	} else if (vfold_parse_uint(val, k->min, ctl_knob_max(k, s.nr_ids),
				    &v)) {
		ret = refused(errf, knob, val, EINVAL, &s);
	} else if (!check_order(k, v, &s, errf)) {
		snprintf(num, sizeof(num), "%u", v);
		ret = vfold_gov_write(&env->sys, knob, num);
		ret = ret ? refused(errf, knob, val, -ret, &s) : 0;
	}
	ctl_snapshot_free(&s);
	return ret;
}
