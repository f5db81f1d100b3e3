/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --metrics-file: each interval's view as a Prometheus text file (format
 * 0.0.4) for the node exporter's textfile collector.
 */
#ifndef VFOLD_HINTD_METRICS_H
#define VFOLD_HINTD_METRICS_H

#include <stddef.h>
#include <stdio.h>

struct vm;

/* Counters since the daemon started. */
struct hintd_stats {
	unsigned long long intervals;	/* decided */
	unsigned long long decisions;	/* target changes */
	unsigned long long scan_errors;	/* scans that failed */
};

/* The metrics as text on @f; 0, or -EIO if writing failed. */
int metrics_print(FILE *f, double capacity, struct vm *const *vms, size_t n,
		  const struct hintd_stats *st);

/*
 * Replaces @path with the metrics at once: writes a new @path.XXXXXX
 * (mkstemp(), mode 0644) beside it and renames it over @path, so that a
 * reader never sees half a file. 0 or -errno; on an error @path is as it
 * was and the temporary file is gone.
 */
int metrics_write(const char *path, double capacity, struct vm *const *vms,
		  size_t n, const struct hintd_stats *st);

#endif
