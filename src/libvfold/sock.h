/* SPDX-License-Identifier: GPL-2.0 */
/* Unix stream sockets: QMP and the hint chardev on the host, a test port in the guest. */
#ifndef VFOLD_SOCK_H
#define VFOLD_SOCK_H

#include <sys/types.h>

/* A nonblocking, close-on-exec connection to @path, or -errno. */
int vfold_sock_connect(const char *path);

/* The pid of the process at the other end (SO_PEERCRED), or -errno. */
pid_t vfold_sock_peer_pid(int fd);

/* Waits up to @timeout_ms for @fd to be readable: 1, 0 (timeout), -errno. */
int vfold_sock_wait_readable(int fd, int timeout_ms);

#endif
