// SPDX-License-Identifier: GPL-2.0
/*
 * The mask checker, every 2 ms: the paravirt mask never covers every
 * online CPU, and never marks an offline one (mask_valid). The online
 * CPUs are read before and after the mask; a sample across a hotplug is
 * thrown away, and a broken one is read again 1 ms later before it
 * counts, since the file and the online mask are not read atomically.
 */
#include <stdio.h>

#include "torture.h"

#define MASK_CHECK_MS	2

static const char *sample(struct tt *t, tt_mask *mask, tt_mask *online,
			  bool *valid)
{
	tt_mask again;

	*valid = !tt_read_online(t, online) && !tt_read_mask(t, mask) &&
		 !tt_read_online(t, &again) && again == *online;
	if (!*valid)
		return NULL;
	/* --bust mask_valid: as if every online CPU were marked. */
	if (t->o.bust[TT_I_MASK])
		*mask = *online;
	return tt_mask_broken(*mask, *online);
}

void *tt_check_mask(void *arg)
{
	char m[256], on[256];
	struct tt *t = arg;
	tt_mask mask, online;
	const char *why;
	bool valid;

	tt_register_self(t);
	while (!atomic_load(&t->stop)) {
		why = sample(t, &mask, &online, &valid);
		if (!valid) {
			atomic_fetch_add(&t->inv[TT_I_MASK].skipped, 1);
		} else {
			atomic_fetch_add(&t->inv[TT_I_MASK].checks, 1);
			if (why) {
				tt_sleep_ms(1);
				why = sample(t, &mask, &online, &valid);
			}
			if (valid && why) {
				tt_mask_format(mask, m, sizeof(m));
				tt_mask_format(online, on, sizeof(on));
				tt_fail(t, TT_I_MASK, "%s: mask %s, online %s",
					why, m, on);
			}
		}
		tt_sleep_ms(MASK_CHECK_MS);
	}
	return NULL;
}
