// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: vfoldctl's command line (ctl_main()), its arguments the
 * input's NUL-separated strings.
 *
 * sysfs and procfs are a directory that does not exist, so a command
 * that gets through the parsing fails at its first read and touches
 * nothing; options that would point them elsewhere are dropped.
 * Properties: no crash, no leak, and the exit status is 0 or 1.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX	12
#define NOWHERE		"/nonexistent/vfold-fuzz"

/* --sysfs-root, --proc-root, or a prefix getopt_long would take for one. */
static int redirects(const char *a)
{
	return !strncmp(a, "--sy", 4) || !strncmp(a, "--p", 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char *argv[ARGS_MAX + 6], *text, *s;
	int argc = 0, ret;

	if (!null)
		null = fopen("/dev/null", "w");
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = "vfoldctl";
	argv[argc++] = "--sysfs-root=" NOWHERE;
	argv[argc++] = "--proc-root=" NOWHERE;
	for (s = text; s <= text + size && argc < ARGS_MAX + 3;
	     s += strlen(s) + 1) {
		if (redirects(s)) {
			free(text);
			return 0;
		}
		argv[argc++] = s;
	}
	argv[argc] = NULL;
	ret = ctl_main(argc, argv, null, null);
	assert(ret == 0 || ret == 1);
	free(text);
	return 0;
}
