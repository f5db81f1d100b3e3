// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU is the server of the chardev socket and accepts one client: this
 * daemon. While no guest agent has the port open, QEMU stops reading the
 * socket; targets sent then pile up in its buffer. main.c sends targets
 * only while the agent reports, so at most the few of the intervals
 * before its death wait; a full buffer drops them (counted), which is
 * fine: only the newest one matters.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hint.h"
#include "output.h"
#include "sock.h"

/*
 * The agent refuses a target whose seq is not newer than the last it
 * applied, and forgets that when it sees the host hang up. Should it
 * miss a quick restart of this daemon, the new first seq is the wall
 * clock in ms: above any seq the old daemon sent (at most one per 10 ms
 * interval since its own start), within 2^31 ms (24 days) of running.
 */
static uint32_t first_seq(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 +
			  (uint64_t)ts.tv_nsec / 1000000);
}

void hint_init(struct hint *h, const char *vm, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->vm = vm;
	h->fd = -1;
	h->seq = first_seq();
	snprintf(h->path, sizeof(h->path), "%s", path);
	vfold_linebuf_init(&h->lb);
}

int hint_connect(struct hint *h)
{
	int fd;

	if (h->fd >= 0 || !h->path[0])
		return h->fd >= 0 ? 0 : -ENOENT;
	fd = vfold_sock_connect(h->path);
	if (fd < 0) {
		if (strcmp(h->conn_err, strerror(-fd)))
			hintd_log("vm %s: hint socket %s: %s", h->vm, h->path,
				  strerror(-fd));
		snprintf(h->conn_err, sizeof(h->conn_err), "%s",
			 strerror(-fd));
		return fd;
	}
	if (h->conn_err[0])
		hintd_log("vm %s: hint socket %s connected", h->vm, h->path);
	h->conn_err[0] = '\0';
	h->fd = fd;
	h->out_len = h->out_off = 0;
	vfold_linebuf_init(&h->lb);
	return 0;
}

void hint_close(struct hint *h)
{
	if (h->fd < 0)
		return;
	close(h->fd);
	h->fd = -1;
	/* Logged as a change when the next connect fails or succeeds. */
	snprintf(h->conn_err, sizeof(h->conn_err), "closed");
}

void hint_flush(struct hint *h)
{
	while (h->fd >= 0 && h->out_off < h->out_len) {
		ssize_t n = send(h->fd, h->out + h->out_off,
				 h->out_len - h->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			hintd_log("vm %s: hint socket: send: %s; reconnecting",
				  h->vm, n ? strerror(errno) : "closed");
			hint_close(h);
			return;
		}
		h->out_off += n;
	}
}

void hint_send_target(struct hint *h, unsigned int cpus, unsigned int ttl_ms,
		      const uint16_t *steal, unsigned int nr_steal)
{
	struct vfold_msg m = {
		.seq = h->seq,
		.type = VFOLD_MSG_TARGET,
		.target = { .cpus = cpus, .ttl_ms = ttl_ms },
	};
	unsigned int omitted;
	int len;

	if (h->fd < 0)
		return;
	if (steal && nr_steal <= VFOLD_STEAL_MAX) {
		m.target.has_steal = true;
		m.target.nr_steal = nr_steal;
		memcpy(m.target.steal, steal, nr_steal * sizeof(*steal));
	}
	if (h->out_off && h->out_off < h->out_len) {
		h->dropped++;	/* a line half sent must be finished first */
		hint_flush(h);
		return;
	}
	if (h->out_len && !h->out_off)
		h->dropped++;	/* the older one never started: replaced */
	len = vfold_msg_encode_omit(&m, h->out, sizeof(h->out), &omitted);
	if (len < 0) {
		hintd_log("vm %s: cannot encode target %u: %s", h->vm, cpus,
			  strerror(-len));
		h->out_len = h->out_off = 0;
		return;
	}
	/* Each time would be every interval: a guest this big stays so. */
	if (omitted & VFOLD_OMIT_STEAL && !h->steal_omitted++)
		hintd_log("vm %s: steal of %u vCPUs does not fit in a target "
			  "line: sent without it", h->vm, nr_steal);
	h->seq++;
	h->out_len = len;
	h->out_off = 0;
	hint_flush(h);
}

/* Logs the first bad messages, then ever more rarely (a noisy guest). */
static void bad_message(struct hint *h, const char *why)
{
	h->bad++;
	if (h->bad <= 10 || !(h->bad & (h->bad - 1)))
		hintd_log("vm %s: bad message from the guest (%lu so far): %s",
			  h->vm, h->bad, why);
}

static void handle_report(struct hint *h, const struct vfold_report *r,
			  uint64_t now)
{
	/* Each refusal once: reports repeat the last ack every interval. */
	if (r->has_ack && r->ack_error[0] && h->ack_logged != r->ack + 1) {
		hintd_log("vm %s: guest refused target %u: %s", h->vm, r->ack,
			  r->ack_error);
		h->ack_logged = r->ack + 1;
	}
	h->report = *r;
	h->has_report = true;
	h->report_ns = now;
	h->reports++;
}

static void handle_line(struct hint *h, const char *line, uint64_t now)
{
	char err[128] = "";
	struct vfold_msg m;
	int e;

	if (!line[0])
		return;
	e = vfold_msg_decode(line, strlen(line), &m, err, sizeof(err));
	if (e < 0) {
		bad_message(h, err[0] ? err : strerror(-e));
		return;
	}
	if (m.type != VFOLD_MSG_REPORT) {
		bad_message(h, "a target, from the guest");
		return;
	}
	handle_report(h, &m.report, now);
}

static void feed(struct hint *h, const char *data, size_t n, uint64_t now)
{
	char line[VFOLD_MSG_MAX];
	int r;

	while (n) {
		size_t used = vfold_linebuf_feed(&h->lb, data, n);

		data += used;
		n -= used;
		while ((r = vfold_linebuf_next(&h->lb, line)) != 0) {
			if (r == -EMSGSIZE)
				bad_message(h, "line over 1024 bytes");
			else if (r < 0)
				bad_message(h, "line with a NUL byte");
			else
				handle_line(h, line, now);
		}
	}
}

void hint_receive(struct hint *h, uint64_t now)
{
	char buf[4096];
	ssize_t n;

	while (h->fd >= 0) {
		n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			hintd_log("vm %s: hint socket: %s; reconnecting",
				  h->vm, n ? strerror(errno) : "closed");
			hint_close(h);
			return;
		}
		feed(h, buf, n, now);
	}
}

short hint_events(const struct hint *h)
{
	if (h->fd < 0)
		return 0;
	return POLLIN | (h->out_off < h->out_len ? POLLOUT : 0);
}
