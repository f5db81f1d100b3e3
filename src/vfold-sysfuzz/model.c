// SPDX-License-Identifier: GPL-2.0
/* The kernel's parsers of the series' files, as an oracle; see model.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "model.h"

#define OVERFLOW	0x80000000u

bool model_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static const char *fixup_radix(const char *s, unsigned int *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			unsigned char x = (unsigned char)s[2];
			bool hex = (x >= '0' && x <= '9') ||
				   ((x | 0x20) >= 'a' && (x | 0x20) <= 'f');

			*base = (s[1] | 0x20) == 'x' && hex ? 16 : 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	return s;
}

/*
 * _parse_integer(): digits counted, OVERFLOW set once the value passed
 * 64 bits (the count goes on, the value wraps as the kernel's does).
 */
static unsigned int parse_integer(const char *s, unsigned int base,
				  uint64_t *res)
{
	unsigned int rv = 0;
	uint64_t r = 0;

	for (;; s++) {
		unsigned int c = (unsigned char)*s, val;

		if (c >= '0' && c <= '9')
			val = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			val = (c | 0x20) - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if (r > (UINT64_MAX - val) / base)
			rv |= OVERFLOW;
		r = r * base + val;
		rv++;
	}
	*res = r;
	return rv;
}

int model_kstrtoull(const char *s, unsigned int base, uint64_t *v)
{
	unsigned int rv;
	uint64_t r;

	if (s[0] == '+')
		s++;
	s = fixup_radix(s, &base);
	rv = parse_integer(s, base, &r);
	if (rv & OVERFLOW)
		return -ERANGE;
	if (!rv)
		return -EINVAL;
	s += rv;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*v = r;
	return 0;
}

int model_kstrtouint(const char *s, unsigned int base, unsigned int *v)
{
	uint64_t r;
	int ret = model_kstrtoull(s, base, &r);

	if (ret)
		return ret;
	if (r > UINT_MAX)
		return -ERANGE;
	*v = (unsigned int)r;
	return 0;
}

/* sysfs_streq(): equal, but for one '\n' at the end of either. */
static bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (!*a && *b == '\n' && !b[1])
		return true;
	return *a == '\n' && !a[1] && !*b;
}

int model_sysfs_match(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i]; i++)
		if (sysfs_streq(names[i], s))
			return i;
	return -1;
}

static bool end_of_str(char c)
{
	return c == '\0' || c == '\n';
}

static bool end_of_region_sep(char c)
{
	return model_isspace((unsigned char)c) || c == ',';
}

static bool end_of_region(char c)
{
	return end_of_region_sep(c) || end_of_str(c);
}

/* bitmap_getnum(): a decimal or 'N'; NULL and @err on failure. */
static const char *getnum(const char *s, unsigned int last, unsigned int *num,
			  int *err)
{
	unsigned int len;
	uint64_t n;

	if (*s == 'N') {
		*num = last;
		return s + 1;
	}
	len = parse_integer(s, 10, &n);
	if (!len) {
		*err = -EINVAL;
		return NULL;
	}
	if ((len & OVERFLOW) || n > UINT_MAX) {
		*err = -EOVERFLOW;
		return NULL;
	}
	*num = (unsigned int)n;
	return s + len;
}

struct region {
	unsigned int start, end, used, group;
};

/*
 * bitmap_parse_region(): one region at @s. Returns where the list goes
 * on, NULL at its end (@err 0) or on an error (@err set).
 */
static const char *parse_region(const char *s, unsigned int last,
				 struct region *r, int *err)
{
	if (!strncasecmp(s, "all", 3)) {
		r->start = 0;
		r->end = last;
		s += 3;
	} else {
		s = getnum(s, last, &r->start, err);
		if (!s)
			return NULL;
		if (end_of_region(*s)) {
			r->end = r->start;
			goto no_pattern;
		}
		if (*s != '-') {
			*err = -EINVAL;
			return NULL;
		}
		s = getnum(s + 1, last, &r->end, err);
		if (!s)
			return NULL;
	}
	if (end_of_region(*s))
		goto no_pattern;
	if (*s != ':') {
		*err = -EINVAL;
		return NULL;
	}
	s = getnum(s + 1, last, &r->used, err);
	if (!s)
		return NULL;
	if (*s != '/') {
		*err = -EINVAL;
		return NULL;
	}
	/* After a pattern the list goes on, even past a '\n'. */
	return getnum(s + 1, last, &r->group, err);

no_pattern:
	r->used = r->end + 1;
	r->group = r->end + 1;
	return end_of_str(*s) ? NULL : s;
}

int model_parselist(const char *s, unsigned int nbits,
		    struct vfold_cpuset *set)
{
	struct vfold_cpuset out;
	struct region r;
	unsigned int b, i;

	if (!nbits || nbits > VFOLD_CPUS_MAX)
		return -EINVAL;
	vfold_cpuset_zero(&out);
	while (s) {
		int err = 0;

		while (end_of_region_sep(*s))
			s++;
		if (end_of_str(*s))
			break;
		s = parse_region(s, nbits - 1, &r, &err);
		if (err)
			return err;
		if (r.start > r.end || !r.group || r.used > r.group)
			return -EINVAL;
		if (r.end >= nbits)
			return -ERANGE;
		for (b = r.start; b <= r.end; b += r.group)
			for (i = 0; i < r.used && b + i <= r.end; i++)
				vfold_cpuset_set(&out, b + i);
	}
	*set = out;
	return 0;
}

size_t model_sysfs_text(const char *buf, size_t len, char *text)
{
	size_t n = len < MODEL_PAGE_SIZE ? len : MODEL_PAGE_SIZE;
	const char *nul = memchr(buf, '\0', n);

	memcpy(text, buf, nul ? (size_t)(nul - buf) : n);
	text[nul ? (size_t)(nul - buf) : n] = '\0';
	return n;
}

/* One "%u" of the kernel's vsscanf(), but refusing what would wrap. */
static const char *scan_uint(const char *s, unsigned int *v)
{
	unsigned int rv;
	uint64_t r;

	while (model_isspace((unsigned char)*s))
		s++;
	if (*s < '0' || *s > '9')
		return NULL;
	rv = parse_integer(s, 10, &r);
	if ((rv & OVERFLOW) || r > UINT_MAX)
		return NULL;
	*v = (unsigned int)r;
	return s + rv;
}

int model_inject_steal(const char *buf, size_t len, unsigned int nr_cpu_ids,
		       unsigned int *cpu, unsigned int *permille)
{
	char text[MODEL_STEAL_BUF];
	const char *s;

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, len);
	text[len] = '\0';
	s = scan_uint(text, cpu);
	if (s)
		s = scan_uint(s, permille);
	if (!s)
		return -EINVAL;
	while (model_isspace((unsigned char)*s))
		s++;
	/* "%n" must reach the write's end: a NUL before it is junk. */
	if ((size_t)(s - text) != len || *cpu >= nr_cpu_ids || *permille > 1000)
		return -EINVAL;
	return 0;
}

int model_inject_host(const char *buf, size_t len, unsigned int nr_cpu_ids,
		      uint64_t *v)
{
	char text[MODEL_ATTR_BUF];
	size_t n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
	uint64_t r;
	int ret;

	memcpy(text, buf, n);
	text[n] = '\0';
	ret = model_kstrtoull(text, 0, &r);
	if (ret)
		return ret;
	if (r > nr_cpu_ids)
		return -EINVAL;
	*v = r;
	return 0;
}
