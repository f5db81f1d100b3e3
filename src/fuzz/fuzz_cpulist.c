// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: libvfold's cpulist parser and formatter, which read the
 * kernel's files and the command line's lists.
 *
 * Properties: a failed parse leaves the set as it was; a parsed list
 * formats, and the text parses back to the same set and formats to the
 * same text (parse -> format -> parse is the identity, the format
 * canonical); formatting into a short buffer either fits or says
 * -ENOSPC with an empty string, never a cut list.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every CPU as "NNNN," at most. */
#define TEXT_MAX	(VFOLD_CPUS_MAX * 6)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX], again[TEXT_MAX], small[64];
	struct vfold_cpuset set, back, sentinel;
	size_t cap;
	char *s;
	int n, m, k;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&sentinel, 0xa5, sizeof(sentinel));
	set = sentinel;
	if (vfold_cpulist_parse(s, &set)) {
		assert(!memcmp(&set, &sentinel, sizeof(set)));
		free(s);
		return 0;
	}
	free(s);

	n = vfold_cpulist_format(&set, text, sizeof(text));
	assert(n >= 0 && (size_t)n == strlen(text));
	assert(!vfold_cpulist_parse(text, &back));
	assert(!memcmp(&set, &back, sizeof(set)));
	m = vfold_cpulist_format(&back, again, sizeof(again));
	assert(m == n && !strcmp(text, again));
	assert(vfold_cpuset_count(&set) == vfold_cpuset_count(&back));

	cap = 1 + (size ? data[size - 1] % sizeof(small) : 0);
	k = vfold_cpulist_format(&set, small, cap);
	if ((size_t)n < cap)
		assert(k == n && !strcmp(small, text));
	else
		assert(k == -ENOSPC && small[0] == '\0');
	return 0;
}
