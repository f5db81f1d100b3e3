/* SPDX-License-Identifier: GPL-2.0 */
/* The libvirt backend's pieces, exposed for unit tests. */
#ifndef VFOLD_HINTD_LIBVIRT_H
#define VFOLD_HINTD_LIBVIRT_H

#include <stddef.h>
#include <libvirt/libvirt.h>

#include "measure.h"

/*
 * A domain's VIR_DOMAIN_STATS_VCPU record -> its vCPUs by number, at most
 * @max, in @s (key: the vCPU number; ok: both vcpu.N.time and
 * vcpu.N.delay there), their count in @nr. Returns 0, or -EINVAL if
 * they are not the vcpu.current vCPUs (also when more than @max).
 */
int lv_vcpu_stats(const virTypedParameter *params, int n,
		  struct vcpu_sample *s, unsigned int max, unsigned int *nr);

/*
 * The path of the unix channel org.vfold.hint.0 in the live domain XML
 * @xml. Returns 0, -ENOENT (no such channel, or no path yet), -EINVAL
 * (not XML) or -ENAMETOOLONG.
 */
int lv_hint_path(const char *xml, char *path, size_t len);

/*
 * The domain's weight: its cpu_shares over a default domain's
 * (@default_shares), or 0 if the scheduler parameters have none.
 */
double lv_weight(const virTypedParameter *params, int n,
		 double default_shares);

#endif
