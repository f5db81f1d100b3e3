/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inputs for the series' files from a seeded generator: well-formed
 * values, their edges (huge, signed, other bases, blanks, NULs), bytes
 * at random, and a page or more. The same seed gives the same inputs, so
 * a failure is replayed with --seed.
 */
#ifndef VFOLD_SYSFUZZ_GEN_H
#define VFOLD_SYSFUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Room for a write past the sysfs page. */
#define GEN_MAX		(4096 + 64)

struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* 0 .. @n - 1; @n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);

enum gen_kind {
	GEN_NUMBER,	/* a knob, hint or counter: decimal */
	GEN_CPULIST,	/* the paravirt file */
	GEN_MODE,	/* paravirt_governor/mode */
	GEN_STEAL,	/* inject_cpu_steal: "CPU PERMILLE" */
	GEN_HOST,	/* inject_host_cpus: any base */
};

/*
 * An input for a file of @kind whose valid values are @lo..@hi (for a
 * cpulist: CPUs 0..@hi); @modes the mode names. Returns its length.
 */
size_t gen_input(struct rng *r, enum gen_kind kind, unsigned int lo,
		 unsigned int hi, const char *const *modes, char *buf);

/* @buf as C text for a report: escapes, at most @cap - 1 characters. */
void gen_escape(const char *buf, size_t len, char *out, size_t cap);

#endif
