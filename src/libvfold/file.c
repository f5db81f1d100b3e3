// SPDX-License-Identifier: GPL-2.0
/* Reading small files whole; see file.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "file.h"

static ssize_t read_retry(int fd, char *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* A file may come in more than one read(): read until EOF. */
int vfold_read_file(const char *path, char *buf, size_t len, bool trim)
{
	size_t off = 0;
	ssize_t n;
	char more;
	int fd;

	if (!len)
		return -EOVERFLOW;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read_retry(fd, buf + off, len - off);
		if (n > 0)
			off += (size_t)n;
	} while (n > 0 && off < len);
	/* Full: fine only if that was all and the last byte is a '\n' to drop. */
	if (n > 0) {
		n = read_retry(fd, &more, 1);
		if (n > 0)
			n = -EOVERFLOW;
	}
	close(fd);
	if (n < 0)
		return (int)n;
	if (trim && off && buf[off - 1] == '\n')
		off--;
	if (off == len)
		return -EOVERFLOW;
	buf[off] = '\0';
	return (int)off;
}

/* Grown by doubling from a size that holds most such files at once. */
#define ALLOC_CHUNK	65536

int vfold_read_file_alloc(const char *path, char **text)
{
	size_t size = ALLOC_CHUNK, off = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read_retry(fd, buf + off, size - off - 1)) > 0) {
		off += (size_t)n;
		if (size - off - 1)
			continue;
		nbuf = realloc(buf, size * 2);
		if (!nbuf) {
			n = -ENOMEM;
			break;
		}
		buf = nbuf;
		size *= 2;
	}
	close(fd);
	if (n < 0 || off > INT_MAX) {
		free(buf);
		return n < 0 ? (int)n : -EOVERFLOW;
	}
	buf[off] = '\0';
	*text = buf;
	return (int)off;
}
