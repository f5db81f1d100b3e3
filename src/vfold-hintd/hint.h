/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hint channel to one guest: a client of the QEMU chardev socket
 * that carries the virtio-serial port org.vfold.hint.0. Targets go out,
 * the agent's reports come in (see docs/protocol.md).
 */
#ifndef VFOLD_HINTD_HINT_H
#define VFOLD_HINTD_HINT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

struct hint {
	const char *vm;		/* the VM's name, for logs */
	char path[PATH_MAX];
	int fd;			/* -1 while not connected */
	char conn_err[64];	/* the last connect error, logged once */

	struct vfold_linebuf lb;
	char out[VFOLD_MSG_MAX];	/* the target being sent */
	size_t out_len, out_off;
	uint32_t seq;		/* of our next target */

	bool has_report;	/* the guest's last good report ... */
	struct vfold_report report;
	uint64_t report_ns;	/* ... and when it came */
	uint32_t ack_logged;	/* ack + 1 of the refusal last logged */

	unsigned long reports, bad, dropped;
	unsigned long steal_omitted;	/* targets sent without their steal */
};

void hint_init(struct hint *h, const char *vm, const char *path);

/* Connects if not connected; 0, or -errno (logged when it changes). */
int hint_connect(struct hint *h);

void hint_close(struct hint *h);

/*
 * Queues a target and sends what it can without blocking. A target not
 * yet started is replaced by a newer one; one half sent is finished.
 * @steal (NULL: none) is the per-vCPU steal of @nr_steal vCPUs, at most
 * VFOLD_STEAL_MAX; left out if the line would be too long with it.
 */
void hint_send_target(struct hint *h, unsigned int cpus, unsigned int ttl_ms,
		      const uint16_t *steal, unsigned int nr_steal);

/* Sends what is queued; on an error the connection is closed. */
void hint_flush(struct hint *h);

/* Reads what the guest sent (at @now); closes on end of file. */
void hint_receive(struct hint *h, uint64_t now);

/* poll() events @h waits for: 0 while not connected. */
short hint_events(const struct hint *h);

#endif
