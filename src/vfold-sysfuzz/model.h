/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel does with the bytes of a write to each of the series'
 * files, as pure functions: an oracle the fuzzer compares every write
 * against. Each follows the kernel function it names, as of 6.12; a
 * disagreement is either a kernel bug or a change of the ABI, and both
 * need a look.
 *
 * The input is what write() was given: @buf, @len, NULs included. The
 * kernel's sysfs copies at most a page and ends it with a NUL, so a
 * store sees the text up to the first NUL of the first page.
 */
#ifndef VFOLD_SYSFUZZ_MODEL_H
#define VFOLD_SYSFUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

#define MODEL_PAGE_SIZE		4096
/* simple_attr's set_buf (debugfs DEFINE_DEBUGFS_ATTRIBUTE): 24 bytes. */
#define MODEL_ATTR_BUF		24
/* inject_cpu_steal's own buffer. */
#define MODEL_STEAL_BUF		32

/* The kernel's isspace(): ASCII blanks and Latin-1 NBSP (0xa0). */
bool model_isspace(unsigned char c);

/*
 * kstrtoull(): optional '+', digits of @base (0: a "0x" or "0" prefix
 * picks 16 or 8), one optional '\n', then the end of the C string.
 * 0, -EINVAL or -ERANGE (more than 64 bits).
 */
int model_kstrtoull(const char *s, unsigned int base, uint64_t *v);
/* kstrtouint(): -ERANGE above UINT_MAX too. */
int model_kstrtouint(const char *s, unsigned int base, unsigned int *v);

/* __sysfs_match_string(): the index of @s in @names (NULL-ended), or -1. */
int model_sysfs_match(const char *const *names, const char *s);

/*
 * bitmap_parselist() over @nbits bits (cpulist_parse(): nr_cpu_ids):
 * regions "A", "A-B", "A-B:U/G", "all" (any case) and "N" (the last
 * bit) for a number, separated by commas and blanks; a '\n' where a
 * region ends ends the list. 0, -EINVAL, -ERANGE or -EOVERFLOW; @set is
 * written only on success.
 */
int model_parselist(const char *s, unsigned int nbits,
		    struct vfold_cpuset *set);

/*
 * The sysfs store's view of a write: the first page of @buf, up to its
 * first NUL, into @text (MODEL_PAGE_SIZE + 1 bytes). Returns how many
 * bytes write() takes on success: the page.
 */
size_t model_sysfs_text(const char *buf, size_t len, char *text);

/*
 * inject_cpu_steal: sscanf("%u %u %n") with nothing after, the CPU below
 * @nr_cpu_ids, permille at most 1000, fewer than MODEL_STEAL_BUF bytes.
 * Numbers are taken as written: one past UINT_MAX is refused, not
 * wrapped (see docs/fuzzing.md). 0 or -EINVAL.
 */
int model_inject_steal(const char *buf, size_t len, unsigned int nr_cpu_ids,
		       unsigned int *cpu, unsigned int *permille);

/*
 * inject_host_cpus (simple_attr_write()): kstrtoull(base 0) of the first
 * MODEL_ATTR_BUF - 1 bytes only, at most @nr_cpu_ids. 0 or -EINVAL.
 */
int model_inject_host(const char *buf, size_t len, unsigned int nr_cpu_ids,
		      uint64_t *v);

#endif
