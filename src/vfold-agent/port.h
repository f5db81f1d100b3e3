/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's end of the hint port: finding it, reading lines from it
 * and sending reports, without blocking and without spinning while the
 * host side is not connected.
 */
#ifndef VFOLD_AGENT_PORT_H
#define VFOLD_AGENT_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

struct port {
	int fd;			/* -1 while closed */
	bool hup;		/* host side not connected: do not poll */
	struct vfold_linebuf lb;
	char out[VFOLD_MSG_MAX];	/* the unsent rest of a report */
	size_t out_len;
};

/*
 * Finds the virtio-serial port named @name under @sysfs_root
 * (class/virtio-ports/NAME/name) and writes its device, /dev/NAME, to
 * @path. Returns 0, -ENOENT if there is none, or -ENAMETOOLONG.
 */
int port_find(const char *sysfs_root, const char *name, char *path,
	      size_t len);

void port_init(struct port *p);
/* Opens @path non-blocking; a Unix socket is connected to (tests). */
int port_open(struct port *p, const char *path);
void port_close(struct port *p);

/*
 * Reads what is there and calls @line_cb for each line's result, as
 * vfold_linebuf_next() returns it (1 with @line, or a negative error).
 * End of file sets p->hup (the host side is not connected), new data
 * clears it. Returns 0 or -errno of a failed read (the port is gone).
 */
int port_read(struct port *p,
	      void (*line_cb)(void *ctx, int ret, const char *line),
	      void *ctx);

/*
 * Sends a line whole or not at all: -EAGAIN (dropped) while the port
 * cannot take it or the rest of an earlier line is still unsent.
 */
int port_send(struct port *p, const char *line, size_t len);

#endif
