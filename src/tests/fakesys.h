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
/* Removes the tree and frees @root. */
void fakesys_free(char *root);
/* Creates or replaces ROOT/@rel with @content. */
void fakesys_put(const char *root, const char *rel, const char *content);
/* Fails the test unless ROOT/@rel holds exactly @want. */
void fakesys_expect(const char *root, const char *rel, const char *want);

#endif
