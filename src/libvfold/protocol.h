/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hint protocol between vfold-hintd (host) and vfold-agent (guest),
 * spoken over a virtio-serial port named "org.vfold.hint.0".
 *
 * One message is one JSON object on one line, at most VFOLD_MSG_MAX bytes
 * with its '\n'. Every message has "v" (VFOLD_PROTO_VERSION), "seq" (the
 * sender's own counter, +1 per message) and "type". docs/protocol.md is
 * the reference; this header is its C form.
 */
#ifndef VFOLD_PROTOCOL_H
#define VFOLD_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFOLD_PROTO_VERSION	1
#define VFOLD_MSG_MAX		1024
#define VFOLD_PORT_NAME		"org.vfold.hint.0"
#define VFOLD_MASK_MAX		256	/* a cpulist, with its NUL */
#define VFOLD_MODE_MAX		16
#define VFOLD_ERROR_MAX		96

enum vfold_msg_type {
	VFOLD_MSG_TARGET = 1,	/* host -> guest */
	VFOLD_MSG_REPORT,	/* guest -> host */
};

#define VFOLD_CPUS_MAX		8192	/* as the kernel's largest NR_CPUS */
#define VFOLD_TTL_MS_MIN	1000
#define VFOLD_TTL_MS_MAX	3600000
#define VFOLD_PSI_MAX		1000	/* permille: all of the time */
/*
 * A target's steal covers at most this many vCPUs: bigger guests get no
 * steal field (it would not fit a line anyway), and a target stays small.
 */
#define VFOLD_STEAL_MAX		256
#define VFOLD_STEAL_PERMILLE_MAX	1000

/* Keep @cpus vCPUs; the guest unfolds by itself @ttl_ms after the last. */
struct vfold_target {
	uint32_t cpus;		/* 1 .. VFOLD_CPUS_MAX */
	uint32_t ttl_ms;	/* 1000 .. 3600000, as the kernel's hint_ttl_ms */
	/*
	 * Optional (a newer field): per vCPU index, the permille of the
	 * last interval its thread waited for a host CPU out of the time
	 * it wanted one, 0 .. VFOLD_STEAL_PERMILLE_MAX. Entries past
	 * @nr_steal count as 0.
	 */
	bool has_steal;
	uint32_t nr_steal;	/* 0 .. VFOLD_STEAL_MAX */
	uint16_t steal[VFOLD_STEAL_MAX];
};

/* What the guest has and wants, sent every interval and after a target. */
struct vfold_report {
	uint32_t nr_cpus;	/* online vCPUs, 1 .. VFOLD_CPUS_MAX */
	uint32_t kept_cpus;	/* online vCPUs not marked paravirt, <= nr_cpus */
	uint32_t demand_milli;	/* CPUs the guest would use, x1000, <= nr_cpus */
	char mask[VFOLD_MASK_MAX];	/* paravirt cpulist, "" if none */
	char mode[VFOLD_MODE_MAX];	/* governor mode */
	/* Optional (a newer field): the share of time some task waited
	 * for a CPU, /proc/pressure/cpu, 0 .. VFOLD_PSI_MAX. */
	bool has_psi;
	uint32_t psi_some_permille;
	bool has_ack;
	uint32_t ack;		/* seq of the last target handled */
	char ack_error[VFOLD_ERROR_MAX];	/* "" if that target applied */
};

struct vfold_msg {
	uint32_t seq;
	enum vfold_msg_type type;
	union {
		struct vfold_target target;
		struct vfold_report report;
	};
};

/* Optional fields the encoder left out: they would not fit in a line. */
#define VFOLD_OMIT_STEAL	0x1	/* a target's steal */

/*
 * Writes @m as one line with its '\n' and a NUL into @buf. Returns the
 * line's length without the NUL, or -EINVAL if a field is out of range,
 * -EMSGSIZE if the line would exceed VFOLD_MSG_MAX or @len. An optional
 * field that alone makes it too long (a target's steal) is left out
 * rather than failing the message: @omitted (may be NULL) gets the
 * VFOLD_OMIT_* of the fields left out, 0 if none.
 */
int vfold_msg_encode_omit(const struct vfold_msg *m, char *buf, size_t len,
			  unsigned int *omitted);

/* vfold_msg_encode_omit() for a caller that need not know. */
int vfold_msg_encode(const struct vfold_msg *m, char *buf, size_t len);

/*
 * Parses one line (without its '\n'). Returns 0, or -EINVAL (not JSON, a
 * field missing, of the wrong type or out of range: @err says which),
 * -EPROTONOSUPPORT (another "v"), -EMSGSIZE (too long). @m is written
 * only on success. Fields it does not know are ignored.
 */
int vfold_msg_decode(const char *line, size_t len, struct vfold_msg *m,
		     char *err, size_t errlen);

/*
 * The range checks both of the above apply: 0 if every field of @m is
 * valid, else -EINVAL and the reason in @err (which may be NULL).
 */
int vfold_msg_check(const struct vfold_msg *m, char *err, size_t errlen);

/* "target", "report", or NULL for a type the protocol does not have. */
const char *vfold_msg_type_name(enum vfold_msg_type type);

/*
 * Splits a byte stream into lines. A line longer than VFOLD_MSG_MAX with
 * its '\n' is dropped whole, up to its '\n', and reported once as
 * -EMSGSIZE. Empty lines are skipped.
 */
struct vfold_linebuf {
	char buf[VFOLD_MSG_MAX];
	size_t len;		/* bytes in @buf, from the start of a line */
	bool overflow;		/* dropping the rest of an over-long line */
	bool dropped;		/* an -EMSGSIZE not yet returned */
};

void vfold_linebuf_init(struct vfold_linebuf *lb);

/*
 * Takes bytes of @data until the buffer holds a complete line or @n are
 * taken, and returns how many it took. Feed the rest after draining
 * vfold_linebuf_next() until it returns 0:
 *
 *	while (n) {
 *		used = vfold_linebuf_feed(lb, data, n);
 *		data += used;
 *		n -= used;
 *		while ((ret = vfold_linebuf_next(lb, line)) != 0)
 *			...;
 *	}
 *
 * Only a line that cannot fit overflows, never unread complete lines.
 */
size_t vfold_linebuf_feed(struct vfold_linebuf *lb, const char *data,
			  size_t n);

/*
 * Returns 1 and the next complete line (NUL-terminated, '\n' removed) in
 * @line, 0 if none is complete, -EMSGSIZE once per dropped long line,
 * -EILSEQ for a line holding a NUL byte (dropped). @line must hold
 * VFOLD_MSG_MAX bytes.
 */
int vfold_linebuf_next(struct vfold_linebuf *lb, char *line);

#endif
