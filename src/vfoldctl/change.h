/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfoldctl's writes: fold, unfold, mode and set. Each checks what it can
 * first and then writes one file once, so a refusal changes nothing;
 * every refusal, ours or the kernel's, is worded by ctl_refusal().
 */
#ifndef VFOLDCTL_CHANGE_H
#define VFOLDCTL_CHANGE_H

#include <stddef.h>
#include <stdio.h>

#include "state.h"

/*
 * Words the refusal -@err of a write of @val to @file (VFOLD_CPU_DIR
 * "/paravirt" or a file of paravirt_governor/, by its name) into @buf.
 * @mode is the governor's mode ("" or NULL if unknown); @nr_ids bounds
 * the knobs whose range is the number of CPUs.
 */
void ctl_refusal(char *buf, size_t len, const char *file, const char *val,
		 int err, const char *mode, unsigned int nr_ids);

/*
 * ctl_snapshot_read() that words a failure on @errf. Returns 0, or 1 (the
 * exit status) with nothing to free.
 */
int ctl_read(const struct ctl_env *env, struct ctl_snapshot *snap,
	     FILE *errf);

/*
 * Says why the write of @list to the paravirt file failed with @err
 * (positive), the governor's mode @s read before it; returns 1. EBUSY:
 * the mode is read again, for the governor turned on since is told from
 * sched_ext.
 */
int ctl_mask_refused(const struct ctl_env *env, const struct ctl_snapshot *s,
		     const char *list, int err, FILE *errf);

/* Each returns the exit status, with the message on @errf. */
int ctl_fold(const struct ctl_env *env, const char *list, FILE *errf);
/* @list NULL: every CPU. */
int ctl_unfold(const struct ctl_env *env, const char *list, FILE *errf);
int ctl_mode(const struct ctl_env *env, const char *mode, FILE *errf);
int ctl_set(const struct ctl_env *env, const char *knob, const char *val,
	    FILE *errf);

#endif
