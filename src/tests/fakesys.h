/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A temporary directory tree that stands in for /sys in unit tests:
 * plain files where the kernel has attributes, checked by the tests.
 */
#ifndef VFOLD_FAKESYS_H
#define VFOLD_FAKESYS_H

/*
 * A new tree with devices/system/cpu/{online,paravirt} for @nr_cpus
 * online CPUs and, unless @governor is NULL, paravirt_governor/ in mode
 * @governor with hint 0 and hint_ttl_ms 10000. Returns its root.
 */
char *fakesys_new(unsigned int nr_cpus, const char *governor);
/*
 * Adds the debugfs file a kernel with CONFIG_SCHED_PARAVIRT_STEAL_INJECT
 * has, kernel/debug/paravirt_governor/inject_cpu_steal, holding @content.
 */
void fakesys_steal_inject(const char *root, const char *content);
/*
 * Adds cpuN/topology/thread_siblings_list for @nr_cpus CPUs, @threads
 * per core numbered together: with 2, "0-1", "0-1", "2-3", ...
 */
void fakesys_smt(const char *root, unsigned int nr_cpus,
		 unsigned int threads);
/* Removes the tree and frees @root. */
void fakesys_free(char *root);
/* Creates or replaces ROOT/@rel with @content. */
void fakesys_put(const char *root, const char *rel, const char *content);
/* Fails the test unless ROOT/@rel holds exactly @want. */
void fakesys_expect(const char *root, const char *rel, const char *want);

#endif
