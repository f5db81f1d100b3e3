// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the hint protocol's decoder and line splitter, the bytes a
 * guest agent or the host daemon takes from a virtio port.
 *
 * Properties beyond "no crash, no sanitizer report": a decoded message
 * passes vfold_msg_check(), encodes, and decodes again to the same
 * message, whose encoding is the same line (the encoder is canonical);
 * the line splitter only hands out lines that fit and hold no NUL.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_msg(const struct vfold_msg *a, const struct vfold_msg *b)
{
	const struct vfold_report *ra = &a->report, *rb = &b->report;
	const struct vfold_target *ta = &a->target, *tb = &b->target;

	assert(a->seq == b->seq && a->type == b->type);
	if (a->type == VFOLD_MSG_TARGET) {
		assert(ta->cpus == tb->cpus && ta->ttl_ms == tb->ttl_ms);
		assert(ta->has_steal == tb->has_steal);
		if (ta->has_steal) {
			assert(ta->nr_steal == tb->nr_steal);
			assert(!memcmp(ta->steal, tb->steal,
				       ta->nr_steal * sizeof(ta->steal[0])));
		}
		return;
	}
	assert(ra->nr_cpus == rb->nr_cpus && ra->kept_cpus == rb->kept_cpus);
	assert(ra->demand_milli == rb->demand_milli);
	assert(!strcmp(ra->mask, rb->mask) && !strcmp(ra->mode, rb->mode));
	assert(ra->has_psi == rb->has_psi);
	assert(!ra->has_psi || ra->psi_some_permille == rb->psi_some_permille);
	assert(ra->has_ack == rb->has_ack);
	assert(!ra->has_ack || (ra->ack == rb->ack &&
				!strcmp(ra->ack_error, rb->ack_error)));
}

static void decode_line(const char *line, size_t len)
{
	char err[128], enc[VFOLD_MSG_MAX + 1], again[VFOLD_MSG_MAX + 1];
	struct vfold_msg m, m2;
	unsigned int omitted;
	int n, n2;

	if (vfold_msg_decode(line, len, &m, err, sizeof(err)))
		return;
	assert(!vfold_msg_check(&m, err, sizeof(err)));
	n = vfold_msg_encode_omit(&m, enc, sizeof(enc), &omitted);
	/* A steal list may not fit a line: the encoder leaves it out. */
	assert(n > 0 && enc[n - 1] == '\n');
	if (omitted & VFOLD_OMIT_STEAL)
		m.target.has_steal = false;
	assert(!vfold_msg_decode(enc, (size_t)n - 1, &m2, err, sizeof(err)));
	same_msg(&m, &m2);
	n2 = vfold_msg_encode(&m2, again, sizeof(again));
	assert(n2 == n && !memcmp(enc, again, (size_t)n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[VFOLD_MSG_MAX];
	struct vfold_linebuf lb;
	size_t off = 0, step;
	char *copy;
	int ret;

	/*
	 * The whole input as one line, in a buffer of exactly its length:
	 * the decoder must not read past it (docs/fuzzing.md, "found").
	 */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	decode_line(copy, size);
	free(copy);

	/* As a stream, in pieces whose size the input's first byte picks. */
	vfold_linebuf_init(&lb);
	step = size ? 1 + data[0] % 61 : 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step, used;

		while (n) {
			used = vfold_linebuf_feed(&lb, (const char *)data + off, n);
			off += used;
			n -= used;
			while ((ret = vfold_linebuf_next(&lb, line)) != 0) {
				if (ret < 0)
					continue;
				assert(strlen(line) < VFOLD_MSG_MAX);
				decode_line(line, strlen(line));
			}
		}
	}
	return 0;
}
