// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "longopt.h"

int vfold_longopt_check(char *const *argv, const struct option *lo,
			char *msg, size_t len)
{
	/* A value given apart ("--name VALUE") is the last argument read. */
	const char *word = argv[optind - 1 - (lo->has_arg != no_argument &&
					      optarg == argv[optind - 1])];
	size_t n = strcspn(word, "=");

	if (strncmp(word, "--", 2) ||
	    (n - 2 == strlen(lo->name) && !strncmp(word + 2, lo->name, n - 2)))
		return 0;
	snprintf(msg, len,
		 "unknown option %.*s (options are not abbreviated: --%s?)",
		 (int)n, word, lo->name);
	return -EINVAL;
}
