// SPDX-License-Identifier: GPL-2.0
/* Reading and writing the guest kernel's vfold files; see sysfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "sysfs.h"

/* The longest cpulist of VFOLD_CPUS_MAX CPUs ("0,2,4,...") fits. */
#define CPULIST_FILE_MAX	(VFOLD_CPUS_MAX * 5)

void vfold_sysfs_init(struct vfold_sysfs *s, const char *root)
{
	s->root = root ? root : VFOLD_SYSFS_ROOT;
}

int vfold_sysfs_path(const struct vfold_sysfs *s, const char *rel,
		     char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", s->root, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_rel(const struct vfold_sysfs *s, const char *rel, int flags)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = vfold_sysfs_path(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vfold_sysfs_read(const struct vfold_sysfs *s, const char *rel,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret = vfold_sysfs_path(s, rel, path, sizeof(path));

	return ret ? ret : vfold_read_file(path, buf, len, true);
}

int vfold_sysfs_write(const struct vfold_sysfs *s, const char *rel,
		      const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	/* O_TRUNC for test trees of plain files; sysfs ignores it. */
	fd = open_rel(s, rel, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;	/* sysfs takes a store whole or not at all */
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int vfold_sysfs_read_u64(const struct vfold_sysfs *s, const char *rel,
			 uint64_t *v)
{
	char buf[32], *end;
	unsigned long long x;
	int ret;

	ret = vfold_sysfs_read(s, rel, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int vfold_sysfs_write_u32(const struct vfold_sysfs *s, const char *rel,
			  uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	return vfold_sysfs_write(s, rel, buf);
}

int vfold_sysfs_read_cpus(const struct vfold_sysfs *s, const char *rel,
			  struct vfold_cpuset *set)
{
	char *buf = malloc(CPULIST_FILE_MAX);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = vfold_sysfs_read(s, rel, buf, CPULIST_FILE_MAX);
	if (ret >= 0)
		ret = vfold_cpulist_parse(buf, set) ? -EINVAL : 0;
	free(buf);
	return ret;
}

/* VFOLD_GOV_DIR/@file into @buf. */
static int gov_rel(const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, VFOLD_GOV_DIR "/%s", file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool vfold_gov_present(const struct vfold_sysfs *s)
{
	char path[PATH_MAX];

	return !vfold_sysfs_path(s, VFOLD_GOV_DIR "/mode", path,
				 sizeof(path)) && !access(path, F_OK);
}

int vfold_gov_read(const struct vfold_sysfs *s, const char *file,
		   char *buf, size_t len)
{
	char rel[128];

	return gov_rel(file, rel, sizeof(rel)) ?:
	       vfold_sysfs_read(s, rel, buf, len);
}

int vfold_gov_write(const struct vfold_sysfs *s, const char *file,
		    const char *val)
{
	char rel[128];

	return gov_rel(file, rel, sizeof(rel)) ?:
	       vfold_sysfs_write(s, rel, val);
}

int vfold_gov_read_u64(const struct vfold_sysfs *s, const char *file,
		       uint64_t *v)
{
	char rel[128];

	return gov_rel(file, rel, sizeof(rel)) ?:
	       vfold_sysfs_read_u64(s, rel, v);
}

int vfold_gov_write_u32(const struct vfold_sysfs *s, const char *file,
			uint32_t v)
{
	char rel[128];

	return gov_rel(file, rel, sizeof(rel)) ?:
	       vfold_sysfs_write_u32(s, rel, v);
}

int vfold_online_read(const struct vfold_sysfs *s, struct vfold_cpuset *set)
{
	return vfold_sysfs_read_cpus(s, VFOLD_CPU_DIR "/online", set);
}

int vfold_nr_online(const struct vfold_sysfs *s)
{
	struct vfold_cpuset set;
	int ret = vfold_online_read(s, &set);

	return ret ? ret : (int)vfold_cpuset_count(&set);
}

int vfold_paravirt_read(const struct vfold_sysfs *s, struct vfold_cpuset *set)
{
	return vfold_sysfs_read_cpus(s, VFOLD_CPU_DIR "/paravirt", set);
}

int vfold_paravirt_write(const struct vfold_sysfs *s,
			 const struct vfold_cpuset *set)
{
	char *buf = malloc(CPULIST_FILE_MAX);
	int ret;

	if (!buf)
		return -ENOMEM;
	/*
	 * With a '\n': sysfs drops a write of 0 bytes without calling the
	 * kernel's store, so "" alone would not clear the mask.
	 */
	ret = vfold_cpulist_format(set, buf, CPULIST_FILE_MAX - 1);
	if (ret >= 0) {
		strcpy(buf + ret, "\n");
		ret = vfold_sysfs_write(s, VFOLD_CPU_DIR "/paravirt", buf);
	}
	free(buf);
	return ret;
}
