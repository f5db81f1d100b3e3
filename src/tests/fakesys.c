// SPDX-License-Identifier: GPL-2.0
/* A fake sysfs tree for unit tests; see fakesys.h. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"

static char *path_of(const char *root, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", root, rel) < 0)
		fail_msg("out of memory");
	return p;
}

static void mkdir_rel(const char *root, const char *rel)
{
	char *p = path_of(root, rel), *q;

	/* Each component in turn, as mkdir -p. */
	for (q = p + strlen(root) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		mkdir(p, 0755);
		*q = '/';
	}
	if (mkdir(p, 0755))
		fail_msg("mkdir %s: %m", p);
	free(p);
}

void fakesys_put(const char *root, const char *rel, const char *content)
{
	char *p = path_of(root, rel);
	FILE *f = fopen(p, "w");

	if (!f || fputs(content, f) < 0 || fclose(f))
		fail_msg("write %s: %m", p);
	free(p);
}

void fakesys_expect(const char *root, const char *rel, const char *want)
{
	char *p = path_of(root, rel), buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	if (!f)
		fail_msg("open %s: %m", p);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (strcmp(buf, want))
		fail_msg("%s holds \"%s\", want \"%s\"", rel, buf, want);
	free(p);
}

char *fakesys_new(unsigned int nr_cpus, const char *governor)
{
	char tmpl[] = "/tmp/vfold-sys.XXXXXX", online[32], mode[32], *root;

	if (!mkdtemp(tmpl))
		fail_msg("mkdtemp: %m");
	root = strdup(tmpl);
	mkdir_rel(root, "devices/system/cpu");
	mkdir_rel(root, "class/virtio-ports");
	snprintf(online, sizeof(online), nr_cpus > 1 ? "0-%u\n" : "0\n",
		 nr_cpus - 1);
	fakesys_put(root, "devices/system/cpu/online", online);
	fakesys_put(root, "devices/system/cpu/paravirt", "\n");
	if (!governor)
		return root;
	mkdir_rel(root, "devices/system/cpu/paravirt_governor");
	snprintf(mode, sizeof(mode), "%s\n", governor);
	fakesys_put(root, "devices/system/cpu/paravirt_governor/mode", mode);
	fakesys_put(root, "devices/system/cpu/paravirt_governor/hint", "0\n");
	fakesys_put(root, "devices/system/cpu/paravirt_governor/hint_ttl_ms",
		    "10000\n");
	return root;
}

void fakesys_steal_inject(const char *root, const char *content)
{
	mkdir_rel(root, "kernel/debug/paravirt_governor");
	fakesys_put(root, "kernel/debug/paravirt_governor/inject_cpu_steal",
		    content);
}

void fakesys_smt(const char *root, unsigned int nr_cpus,
		 unsigned int threads)
{
	char rel[128], list[32];
	unsigned int cpu, first;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		first = cpu - cpu % threads;
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology",
			 cpu);
		mkdir_rel(root, rel);
		if (threads > 1)
			snprintf(list, sizeof(list), "%u-%u\n", first,
				 first + threads - 1);
		else
			snprintf(list, sizeof(list), "%u\n", cpu);
		strcat(rel, "/thread_siblings_list");
		fakesys_put(root, rel, list);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fakesys_free(char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}
