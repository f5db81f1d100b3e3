/* SPDX-License-Identifier: GPL-2.0 */
/* What vfold-hintd prints: log lines on stderr, each interval on stdout. */
#ifndef VFOLD_HINTD_OUTPUT_H
#define VFOLD_HINTD_OUTPUT_H

#include <stdbool.h>

struct vm;

/* One line on stderr, "vfold-hintd: " first. */
void hintd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The interval's view and decisions: one JSON line, or a table. */
void output_interval(double capacity, struct vm *const *vms, unsigned int n,
		     bool json);

/* "vm NAME: target A -> B (inputs)" when a target changed. */
void output_decision(const struct vm *vm, double capacity);

#endif
