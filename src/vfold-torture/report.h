/* SPDX-License-Identifier: GPL-2.0 */
/* vfold-torture's report: TAP, one result per invariant. */
#ifndef TT_REPORT_H
#define TT_REPORT_H

#include <stdio.h>

#include "torture.h"

extern const char *const tt_op_names[TT_OP_NR];

/*
 * Which stressor an op belongs to, for stressors_ran: every stressor not
 * skipped must have done at least one op of its kinds.
 */
enum tt_stressor tt_op_stressor(enum tt_op op);

/*
 * Prints the TAP of a run that lasted @seconds to @f and returns how many
 * invariants failed. stressors_ran fails when a stressor ran no op, or
 * an op failed in a way the ABI does not allow.
 */
unsigned int tt_report(struct tt *t, double seconds, FILE *f);

#endif
