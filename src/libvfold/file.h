/* SPDX-License-Identifier: GPL-2.0 */
/* Small text files (sysfs, /proc) read whole, as both programs need. */
#ifndef VFOLD_FILE_H
#define VFOLD_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads the file at @path until EOF into @buf and ends it with a NUL;
 * with @trim, without its final '\n' (which then needs no room). Returns
 * the length, -EOVERFLOW if that does not fit in @len - 1 bytes, or
 * -errno.
 */
int vfold_read_file(const char *path, char *buf, size_t len, bool trim);

/*
 * Reads the file at @path, however long (/proc/stat of many CPUs, the
 * scheduler's debugfs file), into a new NUL-ended buffer in @text, which
 * the caller frees. Returns the length or -errno; @text is set only on
 * success.
 */
int vfold_read_file_alloc(const char *path, char **text);

#endif
