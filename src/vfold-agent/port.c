// SPDX-License-Identifier: GPL-2.0
/* The guest's end of the hint port; see port.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "port.h"
#include "sock.h"
#include "sysfs.h"

int port_find(const char *sysfs_root, const char *name, char *path,
	      size_t len)
{
	struct vfold_sysfs s;
	char rel[512], val[128];
	struct dirent *de;
	int ret = -ENOENT, n;
	DIR *d;

	vfold_sysfs_init(&s, sysfs_root);
	if (vfold_sysfs_path(&s, "class/virtio-ports", rel, sizeof(rel)))
		return -ENAMETOOLONG;
	d = opendir(rel);
	if (!d)
		return -ENOENT;
	while (ret == -ENOENT && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "class/virtio-ports/%s/name",
			 de->d_name);
		if (vfold_sysfs_read(&s, rel, val, sizeof(val)) < 0 ||
		    strcmp(val, name))
			continue;
		n = snprintf(path, len, "/dev/%s", de->d_name);
		ret = n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	closedir(d);
	return ret;
}

void port_init(struct port *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	vfold_linebuf_init(&p->lb);
}

int port_open(struct port *p, const char *path)
{
	struct stat st;
	int fd;

	port_close(p);
	if (!stat(path, &st) && S_ISSOCK(st.st_mode))
		fd = vfold_sock_connect(path);
	else
		fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fd == -1 ? -errno : fd;
	port_init(p);
	p->fd = fd;
	return 0;
}

void port_close(struct port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	port_init(p);
}

static void split(struct port *p, const char *data, size_t n,
		  void (*line_cb)(void *ctx, int ret, const char *line),
		  void *ctx)
{
	char line[VFOLD_MSG_MAX];
	size_t used;
	int ret;

	while (n) {
		used = vfold_linebuf_feed(&p->lb, data, n);
		data += used;
		n -= used;
		while ((ret = vfold_linebuf_next(&p->lb, line)) != 0)
			line_cb(ctx, ret, ret > 0 ? line : NULL);
	}
}

int port_read(struct port *p,
	      void (*line_cb)(void *ctx, int ret, const char *line),
	      void *ctx)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(p->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			p->hup = false;	/* connected, nothing to read */
			return 0;
		}
		if (n < 0)
			return -errno;
		if (!n) {
			p->hup = true;
			return 0;
		}
		p->hup = false;
		split(p, buf, (size_t)n, line_cb, ctx);
	}
}

/* Writes what it can of p->out. */
static int flush(struct port *p)
{
	ssize_t n;

	while (p->out_len) {
		n = write(p->fd, p->out, p->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p->out_len -= (size_t)n;
		memmove(p->out, p->out + n, p->out_len);
	}
	return 0;
}

int port_send(struct port *p, const char *line, size_t len)
{
	int ret;

	if (len > sizeof(p->out))
		return -EMSGSIZE;
	ret = flush(p);
	if (ret)
		return ret;
	memcpy(p->out, line, len);
	p->out_len = len;
	ret = flush(p);
	if (ret && p->out_len == len)
		p->out_len = 0;	/* none of it went: dropped */
	else if (ret == -EAGAIN)
		ret = 0;	/* the rest goes ahead of the next line */
	return ret;
}
