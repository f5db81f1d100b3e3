/* SPDX-License-Identifier: GPL-2.0 */
/* Numbers from the command line, strictly. */
#ifndef VFOLD_NUMBER_H
#define VFOLD_NUMBER_H

/*
 * Parses @s, all of it, as a decimal in @min..@max into @v. Returns 0, or
 * -EINVAL for anything else: blanks, a sign, other characters, out of
 * range. @v is written only on success.
 */
int vfold_parse_uint(const char *s, unsigned int min, unsigned int max,
		     unsigned int *v);

#endif
