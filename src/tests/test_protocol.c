/* objects: */
// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding, decoding and line splitting of the hint protocol, and the
 * examples of docs/protocol.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"

static struct vfold_msg target(uint32_t seq, uint32_t cpus, uint32_t ttl)
{
	struct vfold_msg m = { .seq = seq, .type = VFOLD_MSG_TARGET };

	m.target.cpus = cpus;
	m.target.ttl_ms = ttl;
	return m;
}

static struct vfold_msg report(void)
{
	struct vfold_msg m = { .seq = 3, .type = VFOLD_MSG_REPORT };

	m.report.nr_cpus = 4;
	m.report.kept_cpus = 2;
	m.report.demand_milli = 2750;
	strcpy(m.report.mask, "2-3");
	strcpy(m.report.mode, "hint");
	return m;
}

/* Decodes @line, expecting @want; on success returns the message. */
static struct vfold_msg decode_ok(const char *line)
{
	struct vfold_msg m;
	char err[128] = "";
	int ret;

	ret = vfold_msg_decode(line, strlen(line), &m, err, sizeof(err));
	if (ret)
		fail_msg("decode of %s: %d %s", line, ret, err);
	return m;
}

static void decode_bad(const char *line, int want, const char *reason)
{
	struct vfold_msg m;
	char err[128] = "";
	int ret;

	memset(&m, 0x5a, sizeof(m));
	ret = vfold_msg_decode(line, strlen(line), &m, err, sizeof(err));
	if (ret != want)
		fail_msg("decode of %s: %d, want %d (%s)", line, ret, want,
			 err);
	if (reason && !strstr(err, reason))
		fail_msg("decode of %s: reason \"%s\", want \"%s\"", line, err,
			 reason);
	/* A failed decode leaves @m alone. */
	for (size_t i = 0; i < sizeof(m); i++)
		assert_int_equal(((unsigned char *)&m)[i], 0x5a);
}

static void roundtrip(const struct vfold_msg *in)
{
	char buf[VFOLD_MSG_MAX + 1];
	struct vfold_msg out;
	int n;

	n = vfold_msg_encode(in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(strlen(buf), n);
	assert_int_equal(vfold_msg_decode(buf, n - 1, &out, NULL, 0), 0);
	assert_int_equal(out.seq, in->seq);
	assert_int_equal(out.type, in->type);
	if (in->type == VFOLD_MSG_TARGET) {
		assert_int_equal(out.target.cpus, in->target.cpus);
		assert_int_equal(out.target.ttl_ms, in->target.ttl_ms);
		assert_int_equal(out.target.has_steal, in->target.has_steal);
		if (!in->target.has_steal)
			return;
		assert_int_equal(out.target.nr_steal, in->target.nr_steal);
		assert_memory_equal(out.target.steal, in->target.steal,
				    in->target.nr_steal *
				    sizeof(in->target.steal[0]));
		return;
	}
	assert_int_equal(out.report.nr_cpus, in->report.nr_cpus);
	assert_int_equal(out.report.kept_cpus, in->report.kept_cpus);
	assert_int_equal(out.report.demand_milli, in->report.demand_milli);
	assert_string_equal(out.report.mask, in->report.mask);
	assert_string_equal(out.report.mode, in->report.mode);
	assert_int_equal(out.report.has_psi, in->report.has_psi);
	if (in->report.has_psi)
		assert_int_equal(out.report.psi_some_permille,
				 in->report.psi_some_permille);
	assert_int_equal(out.report.has_ack, in->report.has_ack);
	if (in->report.has_ack)
		assert_int_equal(out.report.ack, in->report.ack);
	assert_string_equal(out.report.ack_error, in->report.ack_error);
}

static void test_target_roundtrip(void **state)
{
	struct vfold_msg m;

	(void)state;
	m = target(0, 1, 1000);
	roundtrip(&m);
	m = target(UINT32_MAX, VFOLD_CPUS_MAX, 3600000);
	roundtrip(&m);
	m = target(41, 2, 10000);
	roundtrip(&m);
}

/* @m with a steal of @n vCPUs, entry i being @f(i). */
static void set_steal(struct vfold_msg *m, uint32_t n,
		      uint16_t (*f)(uint32_t))
{
	uint32_t i;

	m->target.has_steal = true;
	m->target.nr_steal = n;
	for (i = 0; i < n; i++)
		m->target.steal[i] = f(i);
}

static uint16_t spread(uint32_t i)
{
	return (uint16_t)(i * 37 % 1001);
}

static uint16_t all(uint32_t i)
{
	(void)i;
	return VFOLD_STEAL_PERMILLE_MAX;
}

static uint16_t none(uint32_t i)
{
	(void)i;
	return 0;
}

/* The optional steal: empty, in range at both ends, the most vCPUs. */
static void test_target_steal_roundtrip(void **state)
{
	char buf[VFOLD_MSG_MAX];
	struct vfold_msg m;
	unsigned int omitted = 7;

	(void)state;
	m = target(41, 2, 10000);
	set_steal(&m, 0, none);
	roundtrip(&m);
	set_steal(&m, 4, spread);
	m.target.steal[0] = 0;
	m.target.steal[3] = VFOLD_STEAL_PERMILLE_MAX;
	roundtrip(&m);
	assert_true(vfold_msg_encode_omit(&m, buf, sizeof(buf),
					  &omitted) > 0);
	assert_int_equal(omitted, 0);
	assert_non_null(strstr(buf, ",\"steal\":[0,37,74,1000]}"));
	/* Most vCPUs there can be, small values: fits in a line. */
	set_steal(&m, VFOLD_STEAL_MAX, none);
	roundtrip(&m);
	/* Entries past nr_steal decode as 0. */
	m = decode_ok("{\"v\":1,\"seq\":1,\"type\":\"target\","
		      "\"cpus\":1,\"ttl_ms\":1000,\"steal\":[5]}");
	assert_true(m.target.has_steal);
	assert_int_equal(m.target.nr_steal, 1);
	assert_int_equal(m.target.steal[0], 5);
	assert_int_equal(m.target.steal[1], 0);
	m = decode_ok("{\"v\":1,\"seq\":1,\"type\":\"target\","
		      "\"cpus\":1,\"ttl_ms\":1000}");
	assert_false(m.target.has_steal);
	assert_int_equal(m.target.nr_steal, 0);
}

/*
 * A steal that would take the line over VFOLD_MSG_MAX (or the buffer)
 * is left out, and said so: the target itself still goes.
 */
static void test_target_steal_omitted(void **state)
{
	char buf[VFOLD_MSG_MAX + 1], small[96];
	struct vfold_msg m = target(41, 2, 10000), out;
	unsigned int omitted = 0;
	int n;

	(void)state;
	/* 256 x "1000,": 1280 bytes of steal alone. */
	set_steal(&m, VFOLD_STEAL_MAX, all);
	n = vfold_msg_encode_omit(&m, buf, sizeof(buf), &omitted);
	assert_int_equal(omitted, VFOLD_OMIT_STEAL);
	assert_string_equal(buf, "{\"v\":1,\"seq\":41,\"type\":\"target\","
			    "\"cpus\":2,\"ttl_ms\":10000}\n");
	assert_int_equal(n, strlen(buf));
	assert_int_equal(vfold_msg_decode(buf, n - 1, &out, NULL, 0), 0);
	assert_false(out.target.has_steal);
	assert_int_equal(out.target.cpus, 2);
	/* vfold_msg_encode() leaves it out the same, unsaid. */
	assert_int_equal(vfold_msg_encode(&m, buf, sizeof(buf)), n);

	/* The longest that fits: 1023 bytes, one entry more does not. */
	for (m.target.nr_steal = 1; ; m.target.nr_steal++) {
		n = vfold_msg_encode_omit(&m, buf, sizeof(buf), &omitted);
		if (omitted)
			break;
		assert_true(n <= VFOLD_MSG_MAX);
	}
	m.target.nr_steal--;
	n = vfold_msg_encode_omit(&m, buf, sizeof(buf), &omitted);
	assert_int_equal(omitted, 0);
	assert_true(n > VFOLD_MSG_MAX - 5);

	/* Too long for the caller's buffer: left out too. */
	set_steal(&m, 30, all);
	n = vfold_msg_encode_omit(&m, small, sizeof(small), &omitted);
	assert_true(n > 0);
	assert_int_equal(omitted, VFOLD_OMIT_STEAL);
	/* And a line too long even without it is still -EMSGSIZE. */
	assert_int_equal(vfold_msg_encode_omit(&m, small, 20, &omitted),
			 -EMSGSIZE);
}

static void test_report_roundtrip(void **state)
{
	struct vfold_msg m = report();

	(void)state;
	roundtrip(&m);
	m.report.has_ack = true;
	m.report.ack = UINT32_MAX;
	roundtrip(&m);
	/* The optional psi_some_permille, at both ends of its range. */
	m.report.has_psi = true;
	roundtrip(&m);
	m.report.psi_some_permille = VFOLD_PSI_MAX;
	roundtrip(&m);
	strcpy(m.report.ack_error, "cpus 6 > 4 online CPUs / \"quoted\"");
	roundtrip(&m);
	/* Boundaries: nothing kept, all demanded, longest strings. */
	m.report.kept_cpus = 0;
	m.report.demand_milli = 4000;
	/* "0-100,1000,...,1049": a valid cpulist of 255 bytes. */
	strcpy(m.report.mask, "0-100");
	for (int i = 0; i < 50; i++)
		sprintf(m.report.mask + 5 + 5 * i, ",%d", 1000 + i);
	assert_int_equal(strlen(m.report.mask), VFOLD_MASK_MAX - 1);
	memset(m.report.mode, 'z', VFOLD_MODE_MAX - 1);
	m.report.mode[VFOLD_MODE_MAX - 1] = '\0';
	memset(m.report.ack_error, '~', VFOLD_ERROR_MAX - 1);
	m.report.ack_error[VFOLD_ERROR_MAX - 1] = '\0';
	roundtrip(&m);
}

static void encode_bad(const struct vfold_msg *m, int want)
{
	char buf[VFOLD_MSG_MAX];

	assert_int_equal(vfold_msg_encode(m, buf, sizeof(buf)), want);
}

static void test_encode_rejects(void **state)
{
	struct vfold_msg m;

	(void)state;
	m = target(1, 0, 1000);
	encode_bad(&m, -EINVAL);
	m = target(1, VFOLD_CPUS_MAX + 1, 1000);
	encode_bad(&m, -EINVAL);
	m = target(1, 1, 999);
	encode_bad(&m, -EINVAL);
	m = target(1, 1, 3600001);
	encode_bad(&m, -EINVAL);
	m = target(1, 1, 1000);
	m.type = 7;
	encode_bad(&m, -EINVAL);
	m = target(1, 1, 1000);
	set_steal(&m, 3, none);
	m.target.steal[2] = VFOLD_STEAL_PERMILLE_MAX + 1;
	encode_bad(&m, -EINVAL);
	m = target(1, 1, 1000);
	set_steal(&m, VFOLD_STEAL_MAX, none);
	m.target.nr_steal = VFOLD_STEAL_MAX + 1;
	encode_bad(&m, -EINVAL);

	m = report();
	m.report.nr_cpus = 0;
	m.report.kept_cpus = 0;
	m.report.demand_milli = 0;
	encode_bad(&m, -EINVAL);
	m = report();
	m.report.kept_cpus = 5;
	encode_bad(&m, -EINVAL);
	m = report();
	m.report.demand_milli = 4001;
	encode_bad(&m, -EINVAL);
	m = report();
	m.report.has_psi = true;
	m.report.psi_some_permille = VFOLD_PSI_MAX + 1;
	encode_bad(&m, -EINVAL);
	m = report();
	strcpy(m.report.mode, "Hint");
	encode_bad(&m, -EINVAL);
	m = report();
	m.report.mode[0] = '\0';
	encode_bad(&m, -EINVAL);
	m = report();
	strcpy(m.report.mask, "0 1");
	encode_bad(&m, -EINVAL);
	m = report();
	memset(m.report.mask, '1', sizeof(m.report.mask));
	encode_bad(&m, -EINVAL);
	m = report();
	strcpy(m.report.ack_error, "no ack");
	encode_bad(&m, -EINVAL);
	m = report();
	m.report.has_ack = true;
	strcpy(m.report.ack_error, "line\nbreak");
	encode_bad(&m, -EINVAL);
}

static void test_encode_size(void **state)
{
	struct vfold_msg m = target(41, 2, 10000);
	const char *want = "{\"v\":1,\"seq\":41,\"type\":\"target\","
			   "\"cpus\":2,\"ttl_ms\":10000}\n";
	size_t n = strlen(want);
	char buf[VFOLD_MSG_MAX];

	(void)state;
	/* Exactly the line, its '\n' and the NUL fit; one byte less not. */
	assert_int_equal(vfold_msg_encode(&m, buf, n + 1), n);
	assert_string_equal(buf, want);
	assert_int_equal(vfold_msg_encode(&m, buf, n), -EMSGSIZE);
}

static void test_decode_target(void **state)
{
	struct vfold_msg m;

	(void)state;
	m = decode_ok("{\"v\":1,\"seq\":4294967295,\"type\":\"target\","
		      "\"cpus\":8192,\"ttl_ms\":3600000}");
	assert_int_equal(m.type, VFOLD_MSG_TARGET);
	assert_int_equal(m.seq, UINT32_MAX);
	assert_int_equal(m.target.cpus, 8192);
	assert_int_equal(m.target.ttl_ms, 3600000);
	/* Field order, blanks and a trailing '\r' do not matter. */
	m = decode_ok(" { \"ttl_ms\" : 1000, \"cpus\": 1, \"type\": \"target\","
		      " \"seq\": 0, \"v\": 1 } \r");
	assert_int_equal(m.target.cpus, 1);
	assert_int_equal(m.target.ttl_ms, 1000);
}

static void test_decode_unknown_fields(void **state)
{
	struct vfold_msg m;

	(void)state;
	m = decode_ok("{\"v\":1,\"seq\":2,\"type\":\"target\",\"cpus\":3,"
		      "\"ttl_ms\":5000,\"future\":{\"a\":[1,2]},\"x\":null}");
	assert_int_equal(m.target.cpus, 3);
	m = decode_ok("{\"v\":1,\"seq\":2,\"type\":\"report\",\"nr_cpus\":2,"
		      "\"kept_cpus\":1,\"mask\":\"1\",\"mode\":\"steal\","
		      "\"demand_milli\":10,\"psi\":\"later\"}");
	assert_false(m.report.has_ack);
	assert_false(m.report.has_psi);
	assert_string_equal(m.report.ack_error, "");
	assert_string_equal(m.report.mode, "steal");
	m = decode_ok("{\"v\":1,\"seq\":2,\"type\":\"report\",\"nr_cpus\":2,"
		      "\"kept_cpus\":1,\"mask\":\"1\",\"mode\":\"steal\","
		      "\"demand_milli\":10,\"psi_some_permille\":0}");
	assert_true(m.report.has_psi);
	assert_int_equal(m.report.psi_some_permille, 0);
}

#define T(fields) "{\"v\":1,\"seq\":1,\"type\":\"target\"," fields "}"
#define R(fields) "{\"v\":1,\"seq\":1,\"type\":\"report\",\"nr_cpus\":4," \
		  "\"kept_cpus\":2,\"demand_milli\":100," fields "}"

static void test_decode_rejects_header(void **state)
{
	(void)state;
	decode_bad("", -EINVAL, "not JSON");
	decode_bad("{\"v\":1,", -EINVAL, "not JSON");
	decode_bad("[1,2]", -EINVAL, "not a JSON object");
	decode_bad("\"target\"", -EINVAL, "not a JSON object");
	decode_bad(T("\"cpus\":1,\"ttl_ms\":1000") " x", -EINVAL,
		   "not JSON");
	decode_bad(T("\"cpus\":1,\"ttl_ms\":1000") "{}", -EINVAL,
		   "not JSON");
	decode_bad("{\"seq\":1,\"type\":\"target\",\"cpus\":1,"
		   "\"ttl_ms\":1000}", -EINVAL, "\"v\" missing");
	decode_bad("{\"v\":2,\"seq\":1,\"type\":\"target\",\"cpus\":1,"
		   "\"ttl_ms\":1000}", -EPROTONOSUPPORT, "version 2");
	decode_bad("{\"v\":0,\"seq\":1}", -EPROTONOSUPPORT, "version 0");
	decode_bad("{\"v\":\"1\",\"seq\":1}", -EINVAL, "not an integer");
	decode_bad("{\"v\":1.0,\"seq\":1}", -EINVAL, "not an integer");
	decode_bad("{\"v\":1,\"type\":\"target\"}", -EINVAL,
		   "\"seq\" missing");
	decode_bad("{\"v\":1,\"seq\":-1,\"type\":\"target\"}", -EINVAL,
		   "\"seq\" out of range");
	decode_bad("{\"v\":1,\"seq\":4294967296,\"type\":\"target\"}",
		   -EINVAL, "\"seq\" out of range");
	decode_bad("{\"v\":1,\"seq\":99999999999999999999999,"
		   "\"type\":\"target\"}", -EINVAL, NULL);
	decode_bad("{\"v\":1,\"seq\":1}", -EINVAL, "\"type\" missing");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":1}", -EINVAL,
		   "\"type\" is not a string");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":\"hello\"}", -EINVAL,
		   "unknown type");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":\"target-and-much-more\"}",
		   -EINVAL, "\"type\" longer");
}

static void test_decode_rejects_target(void **state)
{
	(void)state;
	decode_bad(T("\"ttl_ms\":1000"), -EINVAL, "\"cpus\" missing");
	decode_bad(T("\"cpus\":1"), -EINVAL, "\"ttl_ms\" missing");
	decode_bad(T("\"cpus\":0,\"ttl_ms\":1000"), -EINVAL, "cpus 0");
	decode_bad(T("\"cpus\":8193,\"ttl_ms\":1000"), -EINVAL, "cpus 8193");
	decode_bad(T("\"cpus\":-2,\"ttl_ms\":1000"), -EINVAL, "out of range");
	decode_bad(T("\"cpus\":2.5,\"ttl_ms\":1000"), -EINVAL,
		   "not an integer");
	decode_bad(T("\"cpus\":2e0,\"ttl_ms\":1000"), -EINVAL,
		   "not an integer");
	decode_bad(T("\"cpus\":true,\"ttl_ms\":1000"), -EINVAL,
		   "not an integer");
	decode_bad(T("\"cpus\":null,\"ttl_ms\":1000"), -EINVAL,
		   "not an integer");
	decode_bad(T("\"cpus\":1,\"ttl_ms\":999"), -EINVAL, "ttl_ms 999");
	decode_bad(T("\"cpus\":1,\"ttl_ms\":3600001"), -EINVAL,
		   "ttl_ms 3600001");
}

#define TS(steal) T("\"cpus\":1,\"ttl_ms\":1000,\"steal\":" steal)

static void test_decode_rejects_steal(void **state)
{
	char *s, *p;
	int i;

	(void)state;
	decode_bad(TS("[0,1001]"), -EINVAL, "\"steal\"[1] 1001 not in 0..1000");
	decode_bad(TS("[-1]"), -EINVAL, "\"steal\"[0] -1 not in 0..1000");
	decode_bad(TS("[99999999999999999999]"), -EINVAL, "not in 0..1000");
	decode_bad(TS("[1,2.5]"), -EINVAL, "\"steal\"[1] is not an integer");
	decode_bad(TS("[1e2]"), -EINVAL, "\"steal\"[0] is not an integer");
	decode_bad(TS("[\"3\"]"), -EINVAL, "\"steal\"[0] is not an integer");
	decode_bad(TS("[null]"), -EINVAL, "\"steal\"[0] is not an integer");
	decode_bad(TS("[[1]]"), -EINVAL, "\"steal\"[0] is not an integer");
	decode_bad(TS("[true]"), -EINVAL, "\"steal\"[0] is not an integer");
	decode_bad(TS("5"), -EINVAL, "\"steal\" is not an array");
	decode_bad(TS("null"), -EINVAL, "\"steal\" is not an array");
	decode_bad(TS("{\"0\":5}"), -EINVAL, "\"steal\" is not an array");

	/* One entry more than VFOLD_STEAL_MAX, in a line that fits. */
	s = malloc(VFOLD_MSG_MAX);
	assert_non_null(s);
	p = s + sprintf(s, "{\"v\":1,\"seq\":1,\"type\":\"target\","
			"\"cpus\":1,\"ttl_ms\":1000,\"steal\":[");
	for (i = 0; i <= VFOLD_STEAL_MAX; i++)
		p += sprintf(p, i ? ",0" : "0");
	strcpy(p, "]}");
	assert_true(strlen(s) < VFOLD_MSG_MAX);
	decode_bad(s, -EINVAL, "\"steal\" has 257 entries, more than 256");
	/* VFOLD_STEAL_MAX of them are fine. */
	memmove(s + strlen(s) - 4, "]}", 3);
	decode_ok(s);
	free(s);
}

static void test_decode_rejects_report(void **state)
{
	(void)state;
	decode_bad(R("\"mode\":\"hint\""), -EINVAL, "\"mask\" missing");
	decode_bad(R("\"mask\":\"\""), -EINVAL, "\"mode\" missing");
	decode_bad(R("\"mask\":\"\",\"mode\":\"\""), -EINVAL, "mode is not");
	decode_bad(R("\"mask\":\"\",\"mode\":\"h1nt\""), -EINVAL,
		   "mode is not");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\","
		     "\"psi_some_permille\":1001"), -EINVAL,
		   "psi_some_permille 1001 not in 0..1000");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\","
		     "\"psi_some_permille\":-1"), -EINVAL,
		   "\"psi_some_permille\" out of range");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\","
		     "\"psi_some_permille\":0.5"), -EINVAL,
		   "\"psi_some_permille\" is not an integer");
	decode_bad(R("\"mask\":\"\",\"mode\":\"abcdefghijklmnop\""), -EINVAL,
		   "\"mode\" longer than 15");
	decode_bad(R("\"mask\":\"0;1\",\"mode\":\"hint\""), -EINVAL,
		   "mask is not");
	decode_bad(R("\"mask\":\"3-2\",\"mode\":\"hint\""), -EINVAL,
		   "mask is not");
	decode_bad(R("\"mask\":\"8192\",\"mode\":\"hint\""), -EINVAL,
		   "mask is not");
	decode_bad(R("\"mask\":7,\"mode\":\"hint\""), -EINVAL,
		   "\"mask\" is not a string");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hi\\u0000nt\""), -EINVAL,
		   "\"mode\" longer");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\",\"ack_error\":\"x\""),
		   -EINVAL, "ack_error without ack");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\",\"ack\":1,"
		     "\"ack_error\":\"a\\tb\""), -EINVAL, "not printable");
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\",\"ack\":\"1\""),
		   -EINVAL, "\"ack\" is not an integer");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":\"report\",\"nr_cpus\":4,"
		   "\"kept_cpus\":5,\"demand_milli\":0,\"mask\":\"\","
		   "\"mode\":\"off\"}", -EINVAL, "kept_cpus 5");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":\"report\",\"nr_cpus\":4,"
		   "\"kept_cpus\":4,\"demand_milli\":4001,\"mask\":\"\","
		   "\"mode\":\"off\"}", -EINVAL, "demand_milli 4001");
	decode_bad("{\"v\":1,\"seq\":1,\"type\":\"report\",\"nr_cpus\":0,"
		   "\"kept_cpus\":0,\"demand_milli\":0,\"mask\":\"\","
		   "\"mode\":\"off\"}", -EINVAL, "nr_cpus 0");
}

/* A valid target padded with an unknown field to exactly @len bytes. */
static char *padded_target(size_t len)
{
	static const char head[] = "{\"v\":1,\"seq\":1,\"type\":\"target\","
				   "\"cpus\":1,\"ttl_ms\":1000,\"pad\":\"";
	char *s = malloc(len + 1);

	assert_non_null(s);
	assert_true(len > sizeof(head) + 2);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'p', len - (sizeof(head) - 1) - 2);
	strcpy(s + len - 2, "\"}");
	assert_int_equal(strlen(s), len);
	return s;
}

static void test_decode_length(void **state)
{
	struct vfold_msg m;
	char *s;

	(void)state;
	s = padded_target(VFOLD_MSG_MAX - 1);
	assert_int_equal(vfold_msg_decode(s, strlen(s), &m, NULL, 0), 0);
	free(s);
	s = padded_target(VFOLD_MSG_MAX);
	decode_bad(s, -EMSGSIZE, "more than 1023");
	free(s);
	/* A NUL byte within the given length. */
	assert_int_equal(vfold_msg_decode("{}\0{}", 5, &m, NULL, 0),
			 -EINVAL);
	/*
	 * The length bounds the line, not a NUL: junk past it is not read,
	 * blanks before it are allowed, junk before it is not.
	 */
	s = padded_target(100);
	s = realloc(s, 110);
	assert_non_null(s);
	memcpy(s + 100, "  xyz", 6);
	assert_int_equal(vfold_msg_decode(s, 100, &m, NULL, 0), 0);
	assert_int_equal(vfold_msg_decode(s, 102, &m, NULL, 0), 0);
	assert_int_equal(vfold_msg_decode(s, 103, &m, NULL, 0), -EINVAL);
	free(s);
	/* Not UTF-8. */
	decode_bad(R("\"mask\":\"\",\"mode\":\"hint\",\"ack\":1,"
		     "\"ack_error\":\"\xff\""), -EINVAL, "not JSON");
}

/*
 * Every line of the ```json blocks of docs/protocol.md decodes, and
 * encodes back to the same bytes, so the doc's examples cannot go stale.
 */
static void test_doc_examples(void **state)
{
	const char *path = VFOLD_TOPDIR "/docs/protocol.md";
	char line[4096], buf[VFOLD_MSG_MAX];
	int in_json = 0, checked = 0, n;
	struct vfold_msg m;
	FILE *f;

	(void)state;
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "```", 3)) {
			in_json = !in_json && !strcmp(line, "```json");
			continue;
		}
		if (!in_json)
			continue;
		m = decode_ok(line);
		n = vfold_msg_encode(&m, buf, sizeof(buf));
		assert_int_equal(n, strlen(line) + 1);
		buf[n - 1] = '\0';
		assert_string_equal(buf, line);
		checked++;
	}
	fclose(f);
	assert_true(checked >= 5);
}

static void feed_all(struct vfold_linebuf *lb, const char *data, size_t n,
		     int *results, char lines[][VFOLD_MSG_MAX], int *nres)
{
	char line[VFOLD_MSG_MAX];
	size_t used;
	int ret;

	while (n) {
		used = vfold_linebuf_feed(lb, data, n);
		data += used;
		n -= used;
		while ((ret = vfold_linebuf_next(lb, line)) != 0) {
			results[*nres] = ret;
			strcpy(lines[*nres], ret > 0 ? line : "");
			(*nres)++;
		}
	}
}

static void test_linebuf_lines(void **state)
{
	static char lines[8][VFOLD_MSG_MAX];
	struct vfold_linebuf lb;
	int res[8], n = 0;

	(void)state;
	vfold_linebuf_init(&lb);
	feed_all(&lb, "one\ntw", 6, res, lines, &n);
	assert_int_equal(n, 1);
	feed_all(&lb, "o\n\n\nthree", 9, res, lines, &n);
	assert_int_equal(n, 2);
	assert_string_equal(lines[0], "one");
	assert_string_equal(lines[1], "two");
	feed_all(&lb, "\nfo\0r\nfive\n", 11, res, lines, &n);
	assert_int_equal(n, 5);
	assert_string_equal(lines[2], "three");
	assert_int_equal(res[3], -EILSEQ);
	assert_string_equal(lines[4], "five");
	assert_int_equal(lb.len, 0);
}

/* Longest line fits; one byte more is dropped once, whole. */
static void test_linebuf_long(void **state)
{
	static char lines[8][VFOLD_MSG_MAX];
	static char data[3 * VFOLD_MSG_MAX];
	struct vfold_linebuf lb;
	int res[8], n = 0;
	size_t off = 0, i;

	(void)state;
	memset(data, 'a', VFOLD_MSG_MAX - 1);
	off = VFOLD_MSG_MAX - 1;
	data[off++] = '\n';
	memset(data + off, 'b', VFOLD_MSG_MAX);
	off += VFOLD_MSG_MAX;
	data[off++] = '\n';
	memcpy(data + off, "ok\n", 3);
	off += 3;

	/* In pieces of 7 bytes, so the long line spans many feeds. */
	vfold_linebuf_init(&lb);
	for (i = 0; i < off; i += 7)
		feed_all(&lb, data + i, off - i < 7 ? off - i : 7, res, lines,
			 &n);
	assert_int_equal(n, 3);
	assert_int_equal(res[0], 1);
	assert_int_equal(strlen(lines[0]), VFOLD_MSG_MAX - 1);
	assert_int_equal(res[1], -EMSGSIZE);
	assert_int_equal(res[2], 1);
	assert_string_equal(lines[2], "ok");

	/* In one feed. */
	n = 0;
	vfold_linebuf_init(&lb);
	feed_all(&lb, data, off, res, lines, &n);
	assert_int_equal(n, 3);
	assert_int_equal(res[1], -EMSGSIZE);
	assert_string_equal(lines[2], "ok");
}

/* Many short complete lines beyond the buffer's size are no overflow. */
static void test_linebuf_full_of_lines(void **state)
{
	char data[3 * VFOLD_MSG_MAX], line[VFOLD_MSG_MAX];
	struct vfold_linebuf lb;
	size_t used, n = sizeof(data), i;
	int lines = 0, ret;
	const char *p = data;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = i % 4 == 3 ? '\n' : 'x';
	vfold_linebuf_init(&lb);
	/* It takes what fits, then nothing until its lines are read. */
	assert_int_equal(vfold_linebuf_feed(&lb, p, n), VFOLD_MSG_MAX);
	assert_int_equal(vfold_linebuf_feed(&lb, p, n), 0);
	vfold_linebuf_init(&lb);
	while (n) {
		used = vfold_linebuf_feed(&lb, p, n);
		p += used;
		n -= used;
		while ((ret = vfold_linebuf_next(&lb, line)) != 0) {
			assert_int_equal(ret, 1);
			assert_string_equal(line, "xxx");
			lines++;
		}
	}
	assert_int_equal(lines, sizeof(data) / 4);
}

/* A long line without its '\n' yet is reported once, not per feed. */
static void test_linebuf_unended(void **state)
{
	char data[VFOLD_MSG_MAX], line[VFOLD_MSG_MAX];
	struct vfold_linebuf lb;
	int i;

	(void)state;
	memset(data, 'z', sizeof(data));
	vfold_linebuf_init(&lb);
	assert_int_equal(vfold_linebuf_feed(&lb, data, sizeof(data)),
			 sizeof(data));
	assert_int_equal(vfold_linebuf_next(&lb, line), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(vfold_linebuf_feed(&lb, data, sizeof(data)),
				 sizeof(data));
	assert_int_equal(vfold_linebuf_next(&lb, line), -EMSGSIZE);
	assert_int_equal(vfold_linebuf_next(&lb, line), 0);
	assert_int_equal(vfold_linebuf_feed(&lb, "zz\nok\n", 6), 6);
	assert_int_equal(vfold_linebuf_next(&lb, line), 1);
	assert_string_equal(line, "ok");
	assert_int_equal(vfold_linebuf_next(&lb, line), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_roundtrip),
		cmocka_unit_test(test_target_steal_roundtrip),
		cmocka_unit_test(test_target_steal_omitted),
		cmocka_unit_test(test_report_roundtrip),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_encode_size),
		cmocka_unit_test(test_decode_target),
		cmocka_unit_test(test_decode_unknown_fields),
		cmocka_unit_test(test_decode_rejects_header),
		cmocka_unit_test(test_decode_rejects_target),
		cmocka_unit_test(test_decode_rejects_steal),
		cmocka_unit_test(test_decode_rejects_report),
		cmocka_unit_test(test_decode_length),
		cmocka_unit_test(test_doc_examples),
		cmocka_unit_test(test_linebuf_lines),
		cmocka_unit_test(test_linebuf_long),
		cmocka_unit_test(test_linebuf_full_of_lines),
		cmocka_unit_test(test_linebuf_unended),
	};

	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
