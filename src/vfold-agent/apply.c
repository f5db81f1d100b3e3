// SPDX-License-Identifier: GPL-2.0
/* The agent's writes to the guest kernel; see apply.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "cpulist.h"

int agent_start(struct agent *a, const char *sysfs_root, char *err,
		size_t errlen)
{
	char mode[64];
	int ret;

	memset(a, 0, sizeof(*a));
	vfold_sysfs_init(&a->sys, sysfs_root);
	if (!vfold_gov_present(&a->sys)) {
		snprintf(err, errlen, "kernel without the paravirt governor "
			 "(no %s/" VFOLD_GOV_DIR "/mode)", a->sys.root);
		return -ENOENT;
	}
	ret = vfold_gov_read(&a->sys, "mode", mode, sizeof(mode));
	if (ret >= 0 && (!ret || (size_t)ret >= sizeof(a->saved_mode)))
		ret = -EINVAL;
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the governor mode: %s",
			 strerror(-ret));
		return ret;
	}
	if (!strcmp(mode, "hint")) {
		ret = vfold_gov_write(&a->sys, "mode", "off");
		if (ret) {
			snprintf(err, errlen, "cannot set governor mode off "
				 "(hint left by another agent): %s",
				 strerror(-ret));
			return ret;
		}
		strcpy(mode, "off");
		a->found_hint = true;
	}
	strcpy(a->saved_mode, mode);
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int refuse(struct agent *a, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->ack_error, sizeof(a->ack_error), fmt, ap);
	va_end(ap);
	return ret;
}

int agent_target(struct agent *a, uint32_t seq, const struct vfold_target *t)
{
	int nr, ret;

	a->has_ack = true;
	a->ack = seq;
	a->ack_error[0] = '\0';
	if (a->has_seq && (int32_t)(seq - a->last_seq) <= 0) {
		a->stale++;
		return refuse(a, -ESTALE, "stale seq %u after %u", seq,
			      a->last_seq);
	}
	nr = vfold_nr_online(&a->sys);
	if (nr < 0)
		return refuse(a, nr, "cannot read the online CPUs: %s",
			      strerror(-nr));
	if (t->cpus < 1 || t->cpus > (uint32_t)nr)
		return refuse(a, -ERANGE, "cpus %u not in 1..%d online CPUs",
			      t->cpus, nr);
	if (!a->engaged)
		a->ttl_ms = 0;	/* written anew with the mode */
	if (t->ttl_ms != a->ttl_ms) {
		ret = vfold_gov_write_u32(&a->sys, "hint_ttl_ms", t->ttl_ms);
		if (ret)
			return refuse(a, ret, "hint_ttl_ms %u: %s", t->ttl_ms,
				      strerror(-ret));
		a->ttl_ms = t->ttl_ms;
	}
	ret = vfold_gov_write_u32(&a->sys, "hint", t->cpus);
	if (ret)
		return refuse(a, ret, "hint %u: %s", t->cpus, strerror(-ret));
	/*
	 * The mode last: switched on, the governor acts at once on the hint
	 * it holds, which is then this target's, not a stale one.
	 */
	if (!a->engaged) {
		ret = vfold_gov_write(&a->sys, "mode", "hint");
		if (ret)
			return refuse(a, ret, "mode hint: %s", strerror(-ret));
		a->engaged = true;
	}
	a->has_seq = true;
	a->last_seq = seq;
	return 0;
}

void agent_forget_seq(struct agent *a)
{
	/* A new host must not see acks of targets another host sent. */
	a->has_seq = false;
	a->has_ack = false;
	a->ack_error[0] = '\0';
}

int agent_restore(struct agent *a)
{
	int ret;

	if (!a->engaged)
		return 0;
	ret = vfold_gov_write(&a->sys, "mode", a->saved_mode);
	if (!ret)
		a->engaged = false;
	return ret;
}

int agent_report(const struct agent *a, uint32_t demand_milli,
		 struct vfold_report *r)
{
	struct vfold_cpuset online, pv, kept;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = vfold_online_read(&a->sys, &online) ?:
	      vfold_paravirt_read(&a->sys, &pv);
	if (ret)
		return ret;
	ret = vfold_gov_read(&a->sys, "mode", r->mode, sizeof(r->mode));
	if (ret < 0)
		return ret;
	vfold_cpuset_andnot(&kept, &online, &pv);
	r->nr_cpus = vfold_cpuset_count(&online);
	r->kept_cpus = vfold_cpuset_count(&kept);
	/* A mask too long for a message is sent as "" (docs/protocol.md). */
	if (vfold_cpulist_format(&pv, r->mask, sizeof(r->mask)) < 0)
		r->mask[0] = '\0';
	r->demand_milli = demand_milli < r->nr_cpus * 1000 ?
			  demand_milli : r->nr_cpus * 1000;
	r->has_ack = a->has_ack;
	r->ack = a->ack;
	strcpy(r->ack_error, a->ack_error);
	return 0;
}
