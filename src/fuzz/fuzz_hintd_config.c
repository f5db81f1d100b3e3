// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: vfold-hintd's config file, read as SIGHUP reads it
 * (opts_reload()), from a memfd holding the input.
 *
 * Properties: no crash, no leak (LeakSanitizer runs after each input);
 * a file that loads has a ttl above two intervals, as the daemon needs;
 * reading the same file again gives the same verdict.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <sys/mman.h>
#include <unistd.h>

#include "options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct opts old;
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char path[64];
	static char *args[] = { "vfold-hintd", "--qmp", "/nonexistent/qmp",
				"--config", path, NULL };

	(void)argc;
	(void)argv;
	fd = memfd_create("hintd.conf", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* An empty file: the command line alone, which must load. */
	optind = 0;
	parse_args(&old, 5, args);
	return 0;
}

static int reload(const uint8_t *data, size_t size, unsigned int *ttl,
		  unsigned int *interval)
{
	struct opts_msgs m = { 0 };
	struct opts o;
	int ret;

	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	ret = opts_reload(&old, &o, &m);
	opts_msgs_free(&m);
	if (ret)
		return ret;
	*ttl = o.ttl_ms;
	*interval = o.interval_ms;
	opts_free(&o);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int ttl = 0, interval = 0, ttl2 = 0, interval2 = 0;
	int ret;

	ret = reload(data, size, &ttl, &interval);
	if (!ret)
		assert(ttl > 2u * interval);
	assert(reload(data, size, &ttl2, &interval2) == ret);
	assert(ttl == ttl2 && interval == interval2);
	return 0;
}
