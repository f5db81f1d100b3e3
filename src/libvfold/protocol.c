// SPDX-License-Identifier: GPL-2.0
/*
 * The hint protocol's messages as JSON lines (docs/protocol.md), and a
 * splitter of a byte stream into such lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cpulist.h"
#include "protocol.h"

static const char * const type_names[] = {
	[VFOLD_MSG_TARGET] = "target",
	[VFOLD_MSG_REPORT] = "report",
};

const char *vfold_msg_type_name(enum vfold_msg_type type)
{
	if (type < VFOLD_MSG_TARGET || type > VFOLD_MSG_REPORT)
		return NULL;
	return type_names[type];
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Mode names are the kernel's: lower-case letters. */
static bool valid_mode(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return false;
	return true;
}

/* Error texts go to logs: printable ASCII only, no control characters. */
static bool valid_text(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static bool valid_mask(const char *s)
{
	struct vfold_cpuset set;

	return !vfold_cpulist_parse(s, &set);
}

static int check_target(const struct vfold_target *t, char *err,
			size_t errlen)
{
	uint32_t i;

	if (t->cpus < 1 || t->cpus > VFOLD_CPUS_MAX)
		return fail(err, errlen, "cpus %" PRIu32 " not in 1..%d",
			    t->cpus, VFOLD_CPUS_MAX);
	if (t->ttl_ms < VFOLD_TTL_MS_MIN || t->ttl_ms > VFOLD_TTL_MS_MAX)
		return fail(err, errlen, "ttl_ms %" PRIu32 " not in %d..%d",
			    t->ttl_ms, VFOLD_TTL_MS_MIN, VFOLD_TTL_MS_MAX);
	if (!t->has_steal)
		return 0;
	if (t->nr_steal > VFOLD_STEAL_MAX)
		return fail(err, errlen, "steal of %" PRIu32 " vCPUs, more "
			    "than %d", t->nr_steal, VFOLD_STEAL_MAX);
	for (i = 0; i < t->nr_steal; i++)
		if (t->steal[i] > VFOLD_STEAL_PERMILLE_MAX)
			return fail(err, errlen, "steal[%" PRIu32 "] %u not "
				    "in 0..%d", i, t->steal[i],
				    VFOLD_STEAL_PERMILLE_MAX);
	return 0;
}

static int check_report(const struct vfold_report *r, char *err,
			size_t errlen)
{
	if (r->nr_cpus < 1 || r->nr_cpus > VFOLD_CPUS_MAX)
		return fail(err, errlen, "nr_cpus %" PRIu32 " not in 1..%d",
			    r->nr_cpus, VFOLD_CPUS_MAX);
	if (r->kept_cpus > r->nr_cpus)
		return fail(err, errlen, "kept_cpus %" PRIu32 " > nr_cpus",
			    r->kept_cpus);
	if (r->demand_milli > r->nr_cpus * 1000)
		return fail(err, errlen,
			    "demand_milli %" PRIu32 " > nr_cpus * 1000",
			    r->demand_milli);
	if (strnlen(r->mask, VFOLD_MASK_MAX) == VFOLD_MASK_MAX ||
	    !valid_mask(r->mask))
		return fail(err, errlen, "mask is not a cpulist");
	if (strnlen(r->mode, VFOLD_MODE_MAX) == VFOLD_MODE_MAX ||
	    !valid_mode(r->mode))
		return fail(err, errlen, "mode is not a mode name");
	if (strnlen(r->ack_error, VFOLD_ERROR_MAX) == VFOLD_ERROR_MAX ||
	    !valid_text(r->ack_error))
		return fail(err, errlen, "ack_error is not printable text");
	if (r->has_psi && r->psi_some_permille > VFOLD_PSI_MAX)
		return fail(err, errlen,
			    "psi_some_permille %" PRIu32 " not in 0..%d",
			    r->psi_some_permille, VFOLD_PSI_MAX);
	if (!r->has_ack && r->ack_error[0])
		return fail(err, errlen, "ack_error without ack");
	return 0;
}

int vfold_msg_check(const struct vfold_msg *m, char *err, size_t errlen)
{
	switch (m->type) {
	case VFOLD_MSG_TARGET:
		return check_target(&m->target, err, errlen);
	case VFOLD_MSG_REPORT:
		return check_report(&m->report, err, errlen);
	}
	return fail(err, errlen, "unknown type %d", (int)m->type);
}

/* ---- encoding ---- */

static void add_u32(struct json_object *o, const char *key, uint32_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_steal(struct json_object *o, const struct vfold_target *t)
{
	struct json_object *a = json_object_new_array();
	uint32_t i;

	for (i = 0; i < t->nr_steal; i++)
		json_object_array_add(a, json_object_new_int(t->steal[i]));
	json_object_object_add(o, "steal", a);
}

static void add_fields(struct json_object *o, const struct vfold_msg *m)
{
	const struct vfold_report *r = &m->report;

	if (m->type == VFOLD_MSG_TARGET) {
		add_u32(o, "cpus", m->target.cpus);
		add_u32(o, "ttl_ms", m->target.ttl_ms);
		if (m->target.has_steal)
			add_steal(o, &m->target);
		return;
	}
	add_u32(o, "nr_cpus", r->nr_cpus);
	add_u32(o, "kept_cpus", r->kept_cpus);
	add_str(o, "mask", r->mask);
	add_str(o, "mode", r->mode);
	add_u32(o, "demand_milli", r->demand_milli);
	if (r->has_psi)
		add_u32(o, "psi_some_permille", r->psi_some_permille);
	if (r->has_ack) {
		add_u32(o, "ack", r->ack);
		add_str(o, "ack_error", r->ack_error);
	}
}

/* @o as a line into @buf, as vfold_msg_encode() says. */
static int put_line(struct json_object *o, char *buf, size_t len)
{
	const char *s;
	size_t n;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	n = strlen(s);
	/* The line, its '\n', and the NUL only the caller sees. */
	if (n + 1 > VFOLD_MSG_MAX || n + 2 > len)
		return -EMSGSIZE;
	memcpy(buf, s, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)n + 1;
}

int vfold_msg_encode_omit(const struct vfold_msg *m, char *buf, size_t len,
			  unsigned int *omitted)
{
	struct json_object *o;
	int ret;

	if (omitted)
		*omitted = 0;
	ret = vfold_msg_check(m, NULL, 0);
	if (ret)
		return ret;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	add_u32(o, "v", VFOLD_PROTO_VERSION);
	add_u32(o, "seq", m->seq);
	add_str(o, "type", vfold_msg_type_name(m->type));
	add_fields(o, m);

	ret = put_line(o, buf, len);
	/* A target without its steal is still the host's decision. */
	if (ret == -EMSGSIZE && m->type == VFOLD_MSG_TARGET &&
	    m->target.has_steal) {
		json_object_object_del(o, "steal");
		ret = put_line(o, buf, len);
		if (ret > 0 && omitted)
			*omitted |= VFOLD_OMIT_STEAL;
	}
	json_object_put(o);
	return ret;
}

int vfold_msg_encode(const struct vfold_msg *m, char *buf, size_t len)
{
	return vfold_msg_encode_omit(m, buf, len, NULL);
}

/* ---- decoding ---- */

/*
 * Field readers: 1 if the field was found and stored, 0 if absent,
 * -EINVAL if present with the wrong type or range.
 */
static int get_u32(struct json_object *o, const char *key, uint32_t *v,
		   char *err, size_t errlen)
{
	struct json_object *f;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	if (!json_object_is_type(f, json_type_int))
		return fail(err, errlen, "\"%s\" is not an integer", key);
	/* A value above INT64_MAX reads as INT64_MAX: still out of range. */
	x = json_object_get_int64(f);
	if (x < 0 || x > UINT32_MAX)
		return fail(err, errlen, "\"%s\" out of range 0..%" PRIu32,
			    key, UINT32_MAX);
	*v = (uint32_t)x;
	return 1;
}

static int get_str(struct json_object *o, const char *key, char *v,
		   size_t size, char *err, size_t errlen)
{
	struct json_object *f;
	int n;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	if (!json_object_is_type(f, json_type_string))
		return fail(err, errlen, "\"%s\" is not a string", key);
	n = json_object_get_string_len(f);
	/* A NUL inside the string would cut it short unnoticed. */
	if (n < 0 || (size_t)n >= size ||
	    strlen(json_object_get_string(f)) != (size_t)n)
		return fail(err, errlen, "\"%s\" longer than %zu bytes", key,
			    size - 1);
	memcpy(v, json_object_get_string(f), (size_t)n + 1);
	return 1;
}

/* As get_u32() and get_str(), but a missing field is an error too. */
static int need_u32(struct json_object *o, const char *key, uint32_t *v,
		    char *err, size_t errlen)
{
	int ret = get_u32(o, key, v, err, errlen);

	return ret ? (ret < 0 ? ret : 0) :
		fail(err, errlen, "\"%s\" missing", key);
}

static int need_str(struct json_object *o, const char *key, char *v,
		    size_t size, char *err, size_t errlen)
{
	int ret = get_str(o, key, v, size, err, errlen);

	return ret ? (ret < 0 ? ret : 0) :
		fail(err, errlen, "\"%s\" missing", key);
}

/* The optional "steal": absent, or an array of permille integers. */
static int get_steal(struct json_object *o, struct vfold_target *t,
		     char *err, size_t errlen)
{
	struct json_object *f, *e;
	size_t i, n;
	int64_t x;

	if (!json_object_object_get_ex(o, "steal", &f))
		return 0;
	if (!json_object_is_type(f, json_type_array))
		return fail(err, errlen, "\"steal\" is not an array");
	n = json_object_array_length(f);
	if (n > VFOLD_STEAL_MAX)
		return fail(err, errlen, "\"steal\" has %zu entries, more "
			    "than %d", n, VFOLD_STEAL_MAX);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(f, i);
		if (!json_object_is_type(e, json_type_int))
			return fail(err, errlen, "\"steal\"[%zu] is not an "
				    "integer", i);
		x = json_object_get_int64(e);
		if (x < 0 || x > VFOLD_STEAL_PERMILLE_MAX)
			return fail(err, errlen, "\"steal\"[%zu] %" PRId64
				    " not in 0..%d", i, x,
				    VFOLD_STEAL_PERMILLE_MAX);
		t->steal[i] = (uint16_t)x;
	}
	t->has_steal = true;
	t->nr_steal = (uint32_t)n;
	return 0;
}

static int get_target(struct json_object *o, struct vfold_target *t,
		      char *err, size_t errlen)
{
	return need_u32(o, "cpus", &t->cpus, err, errlen) ?:
	       need_u32(o, "ttl_ms", &t->ttl_ms, err, errlen) ?:
	       get_steal(o, t, err, errlen);
}

static int get_report(struct json_object *o, struct vfold_report *r,
		      char *err, size_t errlen)
{
	int ret;

	ret = need_u32(o, "nr_cpus", &r->nr_cpus, err, errlen) ?:
	      need_u32(o, "kept_cpus", &r->kept_cpus, err, errlen) ?:
	      need_u32(o, "demand_milli", &r->demand_milli, err, errlen) ?:
	      need_str(o, "mask", r->mask, sizeof(r->mask), err, errlen) ?:
	      need_str(o, "mode", r->mode, sizeof(r->mode), err, errlen);
	if (ret)
		return ret;
	ret = get_u32(o, "psi_some_permille", &r->psi_some_permille, err,
		      errlen);
	if (ret < 0)
		return ret;
	r->has_psi = ret;
	ret = get_u32(o, "ack", &r->ack, err, errlen);
	if (ret < 0)
		return ret;
	r->has_ack = ret;
	r->ack_error[0] = '\0';
	ret = get_str(o, "ack_error", r->ack_error, sizeof(r->ack_error),
		      err, errlen);
	return ret < 0 ? ret : 0;
}

static int get_header(struct json_object *o, struct vfold_msg *m,
		      char *err, size_t errlen)
{
	char type[16];
	uint32_t v;
	int ret;

	ret = need_u32(o, "v", &v, err, errlen);
	if (ret)
		return ret;
	if (v != VFOLD_PROTO_VERSION) {
		fail(err, errlen, "version %" PRIu32 ", not %d", v,
		     VFOLD_PROTO_VERSION);
		return -EPROTONOSUPPORT;
	}
	ret = need_u32(o, "seq", &m->seq, err, errlen) ?:
	      need_str(o, "type", type, sizeof(type), err, errlen);
	if (ret)
		return ret;
	for (m->type = VFOLD_MSG_TARGET; m->type <= VFOLD_MSG_REPORT;
	     m->type++)
		if (!strcmp(type, type_names[m->type]))
			return 0;
	return fail(err, errlen, "unknown type \"%s\"", type);
}

/* The line as one JSON object and nothing else but blanks after it. */
static struct json_object *parse_object(const char *line, size_t len,
					char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o) {
		fail(err, errlen, "not JSON: %s", json_tokener_error_desc(
			json_tokener_get_error(tok)));
		goto out;
	}
	/* Blanks up to @len: the line need not end with a NUL. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!strchr(" \t\r", line[end]) || !line[end])
			break;
	if (end != len) {
		fail(err, errlen, "not JSON: data after the object");
		goto bad;
	}
	if (!json_object_is_type(o, json_type_object)) {
		fail(err, errlen, "not a JSON object");
		goto bad;
	}
	goto out;
bad:
	json_object_put(o);
	o = NULL;
out:
	json_tokener_free(tok);
	return o;
}

int vfold_msg_decode(const char *line, size_t len, struct vfold_msg *m,
		     char *err, size_t errlen)
{
	struct json_object *o;
	struct vfold_msg tmp;
	int ret;

	if (len > VFOLD_MSG_MAX - 1) {
		fail(err, errlen, "line of %zu bytes, more than %d", len,
		     VFOLD_MSG_MAX - 1);
		return -EMSGSIZE;
	}
	if (memchr(line, '\0', len))
		return fail(err, errlen, "NUL byte in the line");
	o = parse_object(line, len, err, errlen);
	if (!o)
		return -EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	ret = get_header(o, &tmp, err, errlen);
	if (!ret)
		ret = tmp.type == VFOLD_MSG_TARGET ?
			get_target(o, &tmp.target, err, errlen) :
			get_report(o, &tmp.report, err, errlen);
	json_object_put(o);
	if (!ret)
		ret = vfold_msg_check(&tmp, err, errlen);
	if (!ret)
		*m = tmp;
	return ret;
}

/* ---- line splitting ---- */

void vfold_linebuf_init(struct vfold_linebuf *lb)
{
	memset(lb, 0, sizeof(*lb));
}

/* While dropping a long line, consume up to and including its '\n'. */
static size_t skip_rest(struct vfold_linebuf *lb, const char *data, size_t n)
{
	const char *nl = memchr(data, '\n', n);

	if (!nl)
		return n;
	lb->overflow = false;
	return (size_t)(nl - data) + 1;
}

size_t vfold_linebuf_feed(struct vfold_linebuf *lb, const char *data,
			  size_t n)
{
	size_t used = 0, take;

	while (used < n) {
		if (lb->overflow) {
			used += skip_rest(lb, data + used, n - used);
			continue;
		}
		if (memchr(lb->buf, '\n', lb->len))
			break;	/* a complete line to be read first */
		if (lb->len == sizeof(lb->buf)) {
			/* Full and no '\n': the line cannot fit. */
			lb->len = 0;
			lb->overflow = true;
			lb->dropped = true;
			continue;
		}
		take = sizeof(lb->buf) - lb->len;
		if (take > n - used)
			take = n - used;
		memcpy(lb->buf + lb->len, data + used, take);
		lb->len += take;
		used += take;
	}
	return used;
}

int vfold_linebuf_next(struct vfold_linebuf *lb, char *line)
{
	char *nl;
	size_t n;

	if (lb->dropped) {
		lb->dropped = false;
		return -EMSGSIZE;
	}
	for (;;) {
		nl = memchr(lb->buf, '\n', lb->len);
		if (!nl)
			return 0;
		n = (size_t)(nl - lb->buf);
		memcpy(line, lb->buf, n);
		line[n] = '\0';
		lb->len -= n + 1;
		memmove(lb->buf, nl + 1, lb->len);
		if (memchr(line, '\0', n))
			return -EILSEQ;
		if (n)
			return 1;
	}
}
