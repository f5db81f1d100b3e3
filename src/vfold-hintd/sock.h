/* SPDX-License-Identifier: GPL-2.0 */
/* Unix stream sockets, as both QMP and the hint chardev use them. */
#ifndef VFOLD_HINTD_SOCK_H
#define VFOLD_HINTD_SOCK_H

#include <sys/types.h>

/* A nonblocking, close-on-exec connection to @path, or -errno. */
int sock_connect(const char *path);

/* The pid of the process at the other end (SO_PEERCRED), or -errno. */
pid_t sock_peer_pid(int fd);

/* Waits up to @timeout_ms for @fd to be readable: 1, 0 (timeout), -errno. */
int sock_wait_readable(int fd, int timeout_ms);

#endif
