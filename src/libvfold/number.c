// SPDX-License-Identifier: GPL-2.0
/* Numbers from the command line; see number.h. */
#include <errno.h>
#include <stdlib.h>

#include "number.h"

int vfold_parse_uint(const char *s, unsigned int min, unsigned int max,
		     unsigned int *v)
{
	unsigned long x;
	char *end;

	/* strtoul() would take blanks, a sign, and wrap "-1". */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -EINVAL;
	*v = (unsigned int)x;
	return 0;
}
