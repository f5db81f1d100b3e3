// SPDX-License-Identifier: GPL-2.0
/* Seeded inputs for the series' files; see gen.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "array_size.h"
#include "gen.h"

/* splitmix64: one word of state, so a thread's stream is its seed. */
void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

/* What each kind's text is made of, plus what breaks it. */
static const char *const alphabets[] = {
	[GEN_NUMBER] = "0123456789+-\n xX",
	[GEN_CPULIST] = "0123456789-,:/N \n\tal",
	[GEN_MODE] = "offstealhintsm\n O",
	[GEN_STEAL] = "0123456789 \n\t-+",
	[GEN_HOST] = "0123456789abcdefxX+\n ",
};

/* Numbers where parsers go wrong: bounds, word sizes, signs, bases. */
static const char *const edges[] = {
	"0", "1", "-1", "-0", "+1", "+", "", "\n", " ", "4294967295",
	"4294967296", "4294967297", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999999999999",
	"0x10", "0X1", "010", "08", "1e3", "1.5", " 1", "1 ", "1\n\n",
	"1\r", "\n1", "00000000000000000000000000001", "+-1", "0b1",
	"2147483648", "-2147483648", "9223372036854775808",
};

static const char *const list_edges[] = {
	"", "\n", ",", " ", "all", "ALL", "N", "0-N", "N-0", "0-N:1/2",
	"0-N:2/2", "0-N:0/1", "0-N:1/0", "0-N:3/2", "1-0", "0--1", "-1",
	"0-", "0,", ",0", "0,,1", "0 1", "0\n1", "0 \n1", "0-1:1/2\n3",
	"4294967295", "4294967296", "0-4294967295", "allx", "al", "0:1/2",
	"0-1:1", "0-1:/2", "0-1:1/", "a", "0x1", "+1", "1-1", "0-0:1/1",
	"1-N:1/N", "N:1/1",
};

static const char *const mode_edges[] = {
	"off\n\n", "OFF", " off", "off ", "of", "offx", "off\r", "\noff",
	"steal\n", "hint\t", "smt\n\n", "", "\n", "off,steal",
};

static const char *const steal_edges[] = {
	"0 0", "0 1000", "0 1001", "1 500\n", " 1 500 ", "1\t500", "1\n500",
	"1500", "1 500 7", "1 500x", "-1 500", "1 -500", "+1 500",
	"4294967296 500", "4294967297 500", "0 4294967296", "0 4294967796",
	"99999999999999999999 1", "", "\n", "1", "1 ", "0x1 5", "1 500\n\n",
};

static size_t put(char *buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf, s, n);
	return n;
}

static size_t random_bytes(struct rng *r, enum gen_kind kind, char *buf)
{
	const char *a = alphabets[kind];
	size_t n = rng_below(r, 4) ? rng_below(r, 12) : rng_below(r, 64);
	size_t i, al = strlen(a);

	for (i = 0; i < n; i++) {
		uint32_t p = rng_below(r, 20);

		if (p == 0)
			buf[i] = '\0';
		else if (p == 1)
			buf[i] = (char)rng_below(r, 256);
		else
			buf[i] = a[rng_below(r, (uint32_t)al)];
	}
	return n;
}

/* A value @lo - 2 .. @hi + 2, so both sides of each bound come up. */
static unsigned int near_range(struct rng *r, unsigned int lo, unsigned int hi)
{
	uint64_t span = (uint64_t)hi - lo + 5;
	int64_t v = (int64_t)lo - 2 + (int64_t)(rng_next(r) % span);

	if (!rng_below(r, 3))
		v = rng_below(r, 2) ? (int64_t)lo - 1 + rng_below(r, 3) :
				      (int64_t)hi - 1 + rng_below(r, 3);
	return v < 0 ? 0 : (unsigned int)v;
}

static size_t valid_list(struct rng *r, unsigned int hi, char *buf)
{
	unsigned int cpu, run;
	size_t n = 0;
	bool first = true;

	for (cpu = 0; cpu <= hi + 1 && n < 400; cpu++) {
		if (rng_below(r, 3))
			continue;
		run = rng_below(r, 3);
		n += (size_t)sprintf(buf + n, run ? "%s%u-%u" : "%s%u",
				     first ? "" : (rng_below(r, 4) ? "," : " "),
				     cpu, cpu + run);
		cpu += run;
		first = false;
	}
	return n;
}

static size_t valid(struct rng *r, enum gen_kind kind, unsigned int lo,
		    unsigned int hi, const char *const *modes, char *buf)
{
	size_t n = 0, nm = 0;

	switch (kind) {
	case GEN_NUMBER:
		return (size_t)sprintf(buf, "%u", near_range(r, lo, hi));
	case GEN_CPULIST:
		return valid_list(r, hi, buf);
	case GEN_MODE:
		while (modes[nm])
			nm++;
		return nm ? put(buf, modes[rng_below(r, (uint32_t)nm)]) : 0;
	case GEN_STEAL:
		return (size_t)sprintf(buf, "%u %u", near_range(r, 0, hi),
				       rng_below(r, 8) ? rng_below(r, 1002) :
				       near_range(r, 0, 1000));
	case GEN_HOST:
		n = near_range(r, 0, hi);
		return (size_t)sprintf(buf, rng_below(r, 3) ? "%zu" :
				       rng_below(r, 2) ? "%#zx" : "%#zo", n);
	}
	return 0;
}

/* One to three edits: a byte in, out or changed, a NUL, a '\n'. */
static size_t mutate(struct rng *r, enum gen_kind kind, char *buf, size_t n)
{
	const char *a = alphabets[kind];
	uint32_t i, edits = 1 + rng_below(r, 3);

	for (i = 0; i < edits; i++) {
		size_t at = n ? rng_below(r, (uint32_t)n + 1) : 0;
		char c = rng_below(r, 6) ? a[rng_below(r, (uint32_t)strlen(a))] :
					   (char)rng_below(r, 256);

		switch (rng_below(r, 5)) {
		case 0:
		case 1:
			if (n + 1 >= 512)
				break;
			memmove(buf + at + 1, buf + at, n - at);
			buf[at] = rng_below(r, 4) ? c : '\0';
			n++;
			break;
		case 2:
			if (at < n) {
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
			}
			break;
		case 3:
			if (at < n)
				buf[at] = c;
			break;
		default:
			if (n + 1 < 512)
				buf[n++] = '\n';
			break;
		}
	}
	return n;
}

/*
 * About a page: padding (leading zeros, blanks or commas) then a value,
 * so that where the kernel cuts a page off shows.
 */
static size_t long_input(struct rng *r, enum gen_kind kind, unsigned int lo,
			 unsigned int hi, const char *const *modes, char *buf)
{
	static const size_t sizes[] = { 4094, 4095, 4096, 4097, 4100,
					GEN_MAX };
	size_t want = sizes[rng_below(r, 6)], n, pad;
	char tail[512];
	char fill;

	n = valid(r, kind, lo, hi, modes, tail);
	if (n > want)
		n = want;
	pad = want - n;
	if (kind == GEN_CPULIST)
		fill = rng_below(r, 2) ? ',' : ' ';
	else if (kind == GEN_NUMBER || kind == GEN_HOST)
		fill = rng_below(r, 3) ? '0' : ' ';
	else
		fill = rng_below(r, 2) ? ' ' : 'a';
	memset(buf, fill, pad);
	memcpy(buf + pad, tail, n);
	return want;
}

size_t gen_input(struct rng *r, enum gen_kind kind, unsigned int lo,
		 unsigned int hi, const char *const *modes, char *buf)
{
	uint32_t pick = rng_below(r, 100);
	size_t n;

	if (pick < 30) {
		n = valid(r, kind, lo, hi, modes, buf);
		if (rng_below(r, 2))
			buf[n++] = '\n';
		return n;
	}
	if (pick < 50) {
		if (kind == GEN_CPULIST)
			return put(buf, list_edges[rng_below(r,
				ARRAY_SIZE(list_edges))]);
		if (kind == GEN_MODE)
			return put(buf, mode_edges[rng_below(r,
				ARRAY_SIZE(mode_edges))]);
		if (kind == GEN_STEAL)
			return put(buf, steal_edges[rng_below(r,
				ARRAY_SIZE(steal_edges))]);
		n = put(buf, edges[rng_below(r, ARRAY_SIZE(edges))]);
		/* Then a byte after a NUL, which a store must not see. */
		if (!rng_below(r, 4)) {
			buf[n++] = '\0';
			buf[n++] = (char)('0' + rng_below(r, 10));
		}
		return n;
	}
	if (pick < 70)
		return random_bytes(r, kind, buf);
	if (pick < 95) {
		n = valid(r, kind, lo, hi, modes, buf);
		return mutate(r, kind, buf, n);
	}
	return long_input(r, kind, lo, hi, modes, buf);
}

void gen_escape(const char *buf, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			o += (size_t)snprintf(out + o, cap - o, "\\n");
		else if (c == '\\' || c == '"')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (i < len && o + 4 < cap)
		o += (size_t)snprintf(out + o, cap - o, "...");
	out[o < cap ? o : cap - 1] = '\0';
}
