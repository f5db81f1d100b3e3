// SPDX-License-Identifier: GPL-2.0
/* Pipe ping-pong; see pipe.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipe.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* 1 for the token, 0 at EOF, -errno. A pipe never splits 4 bytes. */
static int get(int fd, uint32_t *tok)
{
	ssize_t n;

	do
		n = read(fd, tok, sizeof(*tok));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(*tok);
}

static int put(int fd, uint32_t tok)
{
	ssize_t n;

	do
		n = write(fd, &tok, sizeof(tok));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(tok) ? 0 : -EIO;
}

/* The child echoes each token back until the parent closes its pipe. */
static void __attribute__((noreturn)) echo(int in, int out)
{
	uint32_t tok;
	int ret;

	while ((ret = get(in, &tok)) > 0)
		if (put(out, tok + 1))
			_exit(1);
	_exit(ret ? 1 : 0);
}

int pipe_run(const struct pipe_opts *o, struct pipe_result *r, char *err,
	     size_t errlen)
{
	int ping[2], pong[2], ret = 0, status;
	uint32_t i, tok;
	uint64_t start;
	pid_t pid;

	r->loops = o->loops;
	r->elapsed_ns = 0;
	if (pipe2(ping, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(-ret));
		return ret;
	}
	if (pipe2(pong, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(-ret));
		goto out_ping;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "fork: %s", strerror(-ret));
		close(pong[0]);
		close(pong[1]);
		goto out_ping;
	}
	if (!pid) {
		close(ping[1]);
		close(pong[0]);
		echo(ping[0], pong[1]);
	}
	close(ping[0]);
	close(pong[1]);

	start = now_ns();
	for (i = 0; i < o->loops; i++) {
		ret = put(ping[1], i);
		if (ret) {
			snprintf(err, errlen, "write: %s", strerror(-ret));
			break;
		}
		ret = get(pong[0], &tok);
		if (ret <= 0 || tok != i + 1) {
			snprintf(err, errlen, "read: %s", ret < 0 ?
				 strerror(-ret) : ret ? "wrong token" :
				 "the other process exited");
			ret = ret < 0 ? ret : -EIO;
			break;
		}
		ret = 0;
	}
	r->elapsed_ns = now_ns() - start;

	/* EOF ends the child. */
	close(ping[1]);
	close(pong[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		if (!ret) {
			ret = -errno;
			snprintf(err, errlen, "waitpid: %s", strerror(-ret));
		}
		return ret;
	}
	if (!ret && !(WIFEXITED(status) && !WEXITSTATUS(status))) {
		snprintf(err, errlen, "the other process failed (status %#x)",
			 status);
		ret = -EIO;
	}
	return ret;

out_ping:
	close(ping[0]);
	close(ping[1]);
	return ret;
}

int pipe_format(char *buf, size_t len, const struct pipe_result *r)
{
	uint64_t ns = r->elapsed_ns ? r->elapsed_ns : 1;
	unsigned int loops = r->loops ? r->loops : 1;

	return snprintf(buf, len, "pipe: loops=%u seconds=%.6f "
			"usecs_per_op=%.3f ops_per_sec=%" PRIu64, r->loops,
			(double)r->elapsed_ns / 1e9,
			(double)ns / 1000 / loops,
			(uint64_t)((double)r->loops * 1e9 / (double)ns + 0.5));
}
