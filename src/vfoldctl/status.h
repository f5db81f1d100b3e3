/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfoldctl's reports of a reading (state.h): status as aligned
 * "key: value" lines and a per-CPU table, or one JSON object; watch's
 * frame is the table under a heading line. Steal is over @prev..@cur,
 * or since boot with @prev NULL.
 */
#ifndef VFOLDCTL_STATUS_H
#define VFOLDCTL_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "state.h"

/* The heading of the per-CPU table, which watch also prints once a frame. */
#define CTL_TABLE_HEAD	"CPU  STATE    STEAL%    PUSHES"

/* Writes at most @max_rows CPU rows (0: all), then a line for the rest. */
void ctl_cpu_table(FILE *f, const struct ctl_snapshot *prev,
		   const struct ctl_snapshot *cur, unsigned int max_rows);

void ctl_status_text(FILE *f, const struct ctl_snapshot *prev,
		     const struct ctl_snapshot *cur);

/* A new object; the caller puts it. */
struct json_object *ctl_status_json(const struct ctl_snapshot *prev,
				    const struct ctl_snapshot *cur);
/* That object printed with a '\n': @pretty for status, one line else. */
void ctl_status_json_print(FILE *f, const struct ctl_snapshot *prev,
			   const struct ctl_snapshot *cur, bool pretty);

#endif
