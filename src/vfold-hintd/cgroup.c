// SPDX-License-Identifier: GPL-2.0
/*
 * A VM already in a cpu cgroup that vfold did not make (libvirt's
 * machine.slice, a container) is left where it is: its manager set its
 * share. Only processes in the root cpu cgroup, or in a v2 cgroup
 * without the cpu controller, are moved.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "output.h"

#define VFOLD_DIR	"vfold"

/* @dir/@file into @out of PATH_MAX; -ENAMETOOLONG if it does not fit. */
static int join(char *out, const char *dir, const char *file)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, file);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static bool exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	return !join(path, dir, file) && !access(path, F_OK);
}

int cgroup_init(struct cgroup_ctx *c, const char *root, const char *proc)
{
	char v1[PATH_MAX];

	if (join(v1, root, "cpu") || strlen(root) >= sizeof(c->proc))
		return -ENAMETOOLONG;
	if (exists(root, "cgroup.controllers")) {
		c->mode = CGROUP_V2;
		snprintf(c->root, sizeof(c->root), "%s", root);
	} else if (exists(v1, "cpu.shares")) {
		c->mode = CGROUP_V1;
		snprintf(c->root, sizeof(c->root), "%s", v1);
	} else {
		return -ENOENT;
	}
	snprintf(c->proc, sizeof(c->proc), "%s", proc);
	return join(c->base, c->root, VFOLD_DIR);
}

/* Whether @list, comma-separated, has "cpu" ("cpu,cpuacct", not "cpuset"). */
static bool has_cpu(const char *list, size_t len)
{
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *comma = memchr(p, ',', end - p);
		size_t n = (comma ? comma : end) - p;

		if (n == 3 && !memcmp(p, "cpu", 3))
			return true;
		p += n + 1;
	}
	return false;
}

int cgroup_cpu_path(const char *text, enum cgroup_mode mode, char *path,
		    size_t len)
{
	const char *line = text;

	/* Lines are "ID:CONTROLLERS:PATH"; v2's is "0::PATH". */
	while (line && *line) {
		const char *c1 = strchr(line, ':'), *c2, *nl;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		c2 = c1 && c1 < nl ? memchr(c1 + 1, ':', nl - c1 - 1) : NULL;
		if (c2 && ((mode == CGROUP_V2 && c2 == c1 + 1 &&
			    !strncmp(line, "0:", 2)) ||
			   (mode == CGROUP_V1 && has_cpu(c1 + 1, c2 - c1 - 1)))) {
			snprintf(path, len, "%.*s", (int)(nl - c2 - 1), c2 + 1);
			return 0;
		}
		line = *nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	ssize_t n, len = strlen(text);
	int fd, err = join(path, dir, file);

	if (err)
		return err;
	/* O_CREAT: cgroupfs has the file already, a test's temp dir not. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n != len)
		err = n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int read_proc_cgroup(const struct cgroup_ctx *c, pid_t pid,
			    char *path, size_t len)
{
	char file[PATH_MAX], text[4096], pidname[16];
	size_t n;
	FILE *f;

	snprintf(pidname, sizeof(pidname), "%d/cgroup", pid);
	if (join(file, c->proc, pidname))
		return -ENAMETOOLONG;
	f = fopen(file, "re");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return cgroup_cpu_path(text, c->mode, path, len);
}

static bool is_ours(const char *path)
{
	return !strncmp(path, "/" VFOLD_DIR "/", strlen(VFOLD_DIR) + 2);
}

/* Someone else's cpu cgroup: not the root, not ours, and (v2) cpu on. */
static bool is_foreign(const struct cgroup_ctx *c, const char *path)
{
	char dir[PATH_MAX];

	if (!strcmp(path, "/") || is_ours(path))
		return false;
	if (c->mode == CGROUP_V1)
		return true;
	return !join(dir, c->root, path + 1) && exists(dir, "cpu.weight");
}

static int make_dir(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* v2 gives a child the cpu controller only if its parent passes it on. */
static int enable_cpu(const struct cgroup_ctx *c)
{
	int err;

	if (c->mode != CGROUP_V2)
		return 0;
	err = write_file(c->root, "cgroup.subtree_control", "+cpu");
	return err ?: write_file(c->base, "cgroup.subtree_control", "+cpu");
}

static void weight_text(enum cgroup_mode mode, double weight, char *buf,
			size_t len)
{
	/* v2 cpu.weight: 1..10000, default 100; v1 cpu.shares: 2.., 1024. */
	double unit = mode == CGROUP_V2 ? 100 : 1024;
	double lo = mode == CGROUP_V2 ? 1 : 2;
	double hi = mode == CGROUP_V2 ? 10000 : 262144;
	double v = weight > 0 ? weight * unit : unit;

	v = v < lo ? lo : v > hi ? hi : v;
	snprintf(buf, len, "%lu\n", (unsigned long)(v + 0.5));
}

int cgroup_place(const struct cgroup_ctx *c, const char *name, pid_t pid,
		 double weight, char *where, size_t len)
{
	char cur[PATH_MAX], dir[PATH_MAX], text[32];
	int err;

	err = read_proc_cgroup(c, pid, cur, sizeof(cur));
	if (err)
		return err;
	if (is_foreign(c, cur)) {
		snprintf(where, len, "%s", cur);
		return CGROUP_FOREIGN;
	}
	weight_text(c->mode, weight, text, sizeof(text));
	err = join(dir, c->base, name);
	err = err ?: make_dir(c->base);
	err = err ?: make_dir(dir);
	err = err ?: enable_cpu(c);
	err = err ?: write_file(dir, c->mode == CGROUP_V2 ? "cpu.weight" :
				"cpu.shares", text);
	/* cgroup.procs moves the whole thread group, in v1 and v2. */
	snprintf(text, sizeof(text), "%d\n", pid);
	err = err ?: write_file(dir, "cgroup.procs", text);
	if (err)
		return err;
	snprintf(where, len, "/" VFOLD_DIR "/%s", name);
	return CGROUP_PLACED;
}

void cgroup_prune(const struct cgroup_ctx *c,
		  bool (*keep)(const char *name, void *arg), void *arg)
{
	DIR *d = opendir(c->base);
	char path[PATH_MAX];
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    keep(e->d_name, arg))
			continue;
		if (join(path, c->base, e->d_name))
			continue;
		if (!rmdir(path))
			hintd_log("cgroup: removed /" VFOLD_DIR "/%s",
				  e->d_name);
		else if (errno != EBUSY && errno != ENOENT)
			hintd_log("cgroup: cannot remove /" VFOLD_DIR "/%s: %s",
				  e->d_name, strerror(errno));
	}
	closedir(d);
}
