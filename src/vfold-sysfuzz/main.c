// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-sysfuzz - fuzz the series' sysfs and debugfs files in a guest.
 *
 * Phase 1, one writer: every write's bytes go through model.c, which
 * says what the kernel must do with them; the file must then read back
 * as the value before (the write failed, with the model's error) or as
 * the new value in the kernel's own form (it succeeded). Cross-file
 * invariants are checked after every write. The inputs come from the
 * seed alone, not from what is read, so --seed and --ops replay them.
 *
 * Phase 2, several writers and readers: each write the model calls
 * invalid must fail whatever else runs; each read must be a valid value
 * (in range, a mask inside the online CPUs and not all of them, counters
 * never going back). Then the same with the *_high knobs held still and
 * writers pushing the *_low ones past them: a reader must never see a
 * low knob at or above its high one, not even for a moment.
 *
 * The state is restored at the end (mode off, knobs and injections as
 * found, mask empty), as the selftests that run after expect.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "cpulist.h"
#include "gen.h"
#include "model.h"
#include "number.h"

#define READ_MAX	(MODEL_PAGE_SIZE + 1)
#define REPORTS_MAX	20
#define THREADS_MAX	16

enum ftype {
	F_MASK,		/* devices/system/cpu/paravirt */
	F_MODE,
	F_KNOB,		/* a number in lo..hi, maybe ordered against another */
	F_COUNTER,	/* RO, never goes back */
	F_CONST,	/* RO, never changes: available_modes */
	F_STEAL,	/* debugfs inject_cpu_steal */
	F_HOST,		/* debugfs inject_host_cpus */
	F_RO_DEBUG,	/* debugfs RO: writes refused, value not checked */
};

struct file {
	const char *name;
	enum ftype type;
	unsigned int lo, hi;	/* hi 0: nr_cpu_ids */
	const char *below;	/* F_KNOB: must stay below this knob */
	const char *above;	/* F_KNOB: must stay above this knob */
	bool debugfs;
	/* Filled in at start. */
	char path[512];
	bool present;
	char saved[READ_MAX];	/* as found, for the restore */
	/* Phase 1's counts. */
	unsigned long writes, accepted, refused, checks, failures;
};

#define FILE(n, t)		{ .name = (n), .type = (t) }
#define KNOB(n, l, h)		{ .name = (n), .type = F_KNOB, .lo = (l), .hi = (h) }
#define LOW(n, l, h, high)	{ .name = (n), .type = F_KNOB, .lo = (l), \
				  .hi = (h), .below = (high) }
#define HIGH(n, l, h, low)	{ .name = (n), .type = F_KNOB, .lo = (l), \
				  .hi = (h), .above = (low) }
#define DEBUGFS(n, t)		{ .name = (n), .type = (t), .debugfs = true }

static struct file files[] = {
	FILE("paravirt", F_MASK),
	FILE("mode", F_MODE),
	KNOB("interval_ms", 50, 10000),
	HIGH("steal_high_permille", 1, 1000, "steal_low_permille"),
	LOW("steal_low_permille", 0, 999, "steal_high_permille"),
	LOW("smt_low_permille", 0, 999, "smt_high_permille"),
	HIGH("smt_high_permille", 1, 1000, "smt_low_permille"),
	KNOB("min_cpus", 1, 0),
	KNOB("entitled_cpus", 0, 0),
	KNOB("hint", 1, 0),
	KNOB("hint_ttl_ms", 1000, 3600000),
	FILE("available_modes", F_CONST),
	FILE("intervals", F_COUNTER),
	FILE("folds", F_COUNTER),
	FILE("probes", F_COUNTER),
	FILE("reverts", F_COUNTER),
	FILE("mask_changes", F_COUNTER),
	/* pick() takes the last five for its debugfs share. */
	DEBUGFS("inject_cpu_steal", F_STEAL),
	DEBUGFS("inject_host_cpus", F_HOST),
	DEBUGFS("kept", F_RO_DEBUG),
	DEBUGFS("demand", F_RO_DEBUG),
	DEBUGFS("avoid", F_RO_DEBUG),
};

#define NR_FILES	ARRAY_SIZE(files)

static const char *const modes[] = { "off", "steal", "hint", "smt", NULL };

struct ctx {
	uint64_t seed;
	unsigned int nr_cpu_ids;
	struct vfold_cpuset online;
	char online_text[READ_MAX];
	/* Failures reported so far, and all found, across threads. */
	atomic_uint reports;
	atomic_ulong failures;
	atomic_ulong checks;
	atomic_ulong writes;
	atomic_ulong inv_failures;
	atomic_bool stop;
	bool held;		/* phase 2b: *_high knobs held */
};

static struct ctx ctx;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct file *find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_FILES; i++)
		if (!strcmp(files[i].name, name))
			return &files[i];
	return NULL;
}

static unsigned int hi_of(const struct file *f)
{
	return f->hi ? f->hi : ctx.nr_cpu_ids;
}

/* A failed check: counted always, printed as a TAP comment at first. */
static void __attribute__((format(printf, 2, 3)))
fail(struct file *f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (f)
		f->failures++;
	atomic_fetch_add(&ctx.failures, 1);
	if (atomic_fetch_add(&ctx.reports, 1) >= REPORTS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flockfile(stdout);
	printf("# FAIL %s\n", msg);
	fflush(stdout);
	funlockfile(stdout);
}

static void check(void)
{
	atomic_fetch_add(&ctx.checks, 1);
}

/*
 * The whole file, from a new descriptor: read(), not pread(), as
 * debugfs's simple_attr files are not seekable. -errno on failure.
 */
static int read_at(int fd, char *buf)
{
	size_t len = 0;
	ssize_t n = 0;

	while (len < READ_MAX - 1 &&
	       (n = read(fd, buf + len, READ_MAX - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return -errno;
	buf[len] = '\0';
	return (int)len;
}

static int read_path(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = read_at(fd, buf);
	close(fd);
	return ret;
}

static int read_file(const struct file *f, char *buf)
{
	return read_path(f->path, buf);
}

/* Returns write()'s result or -errno: one write, on a new descriptor. */
static ssize_t write_file(const struct file *f, const char *buf, size_t len)
{
	int fd = open(f->path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static bool read_uint(const struct file *f, unsigned long long *v)
{
	char buf[READ_MAX], *end;

	if (read_file(f, buf) < 0 || buf[0] < '0' || buf[0] > '9')
		return false;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return !errno && !strcmp(end, "\n");
}

static const char *err_name(ssize_t ret)
{
	static __thread char buf[32];

	if (ret >= 0) {
		snprintf(buf, sizeof(buf), "%zd", ret);
		return buf;
	}
	return strerrorname_np((int)-ret) ?: "E?";
}

/* The kernel's text of a mask: "%*pbl\n". */
static void mask_text(const struct vfold_cpuset *set, char *buf)
{
	int n = vfold_cpulist_format(set, buf, READ_MAX - 1);

	strcpy(buf + (n < 0 ? 0 : n), "\n");
}

static bool covers_online(const struct vfold_cpuset *set)
{
	struct vfold_cpuset left;

	vfold_cpuset_andnot(&left, &ctx.online, set);
	return !vfold_cpuset_count(&left);
}

static bool subset_online(const struct vfold_cpuset *set)
{
	struct vfold_cpuset out;

	vfold_cpuset_andnot(&out, set, &ctx.online);
	return !vfold_cpuset_count(&out);
}

/* A mask as read: canonical, online CPUs only, never all of them. */
static bool mask_valid(const char *text, char *why, size_t len)
{
	char body[READ_MAX], again[READ_MAX];
	struct vfold_cpuset set;
	size_t n = strlen(text);

	if (!n || text[n - 1] != '\n') {
		snprintf(why, len, "no newline");
		return false;
	}
	memcpy(body, text, n - 1);
	body[n - 1] = '\0';
	if (vfold_cpulist_parse(body, &set)) {
		snprintf(why, len, "not a cpulist");
		return false;
	}
	mask_text(&set, again);
	if (strcmp(again, text)) {
		snprintf(why, len, "not canonical");
		return false;
	}
	if (!subset_online(&set)) {
		snprintf(why, len, "an offline CPU");
		return false;
	}
	if (vfold_cpuset_count(&set) && covers_online(&set)) {
		snprintf(why, len, "every online CPU");
		return false;
	}
	return true;
}

/* A number file's value: in range, one decimal and '\n'. */
static bool number_valid(const struct file *f, const char *text)
{
	unsigned int v;

	return !model_kstrtouint(text, 10, &v) && text[strlen(text) - 1] == '\n' &&
	       text[0] != '+' && v >= f->lo && v <= hi_of(f);
}

static bool steal_valid(const char *text)
{
	const char *s = text;
	unsigned int cpu, p;
	int n;

	while (*s) {
		if (sscanf(s, "%u %u\n%n", &cpu, &p, &n) != 2 || s[n - 1] != '\n' ||
		    cpu >= ctx.nr_cpu_ids || !p || p > 1000)
			return false;
		s += n;
	}
	return true;
}

/* inject_cpu_steal's lines after setting @cpu to @permille. */
static void steal_apply(const char *before, unsigned int cpu,
			unsigned int permille, char *out)
{
	unsigned int *p = calloc(ctx.nr_cpu_ids, sizeof(*p)), c, v, i;
	const char *s = before;
	size_t o = 0;
	int n;

	if (!p) {
		out[0] = '\0';
		return;
	}
	while (*s && sscanf(s, "%u %u\n%n", &c, &v, &n) == 2) {
		if (c < ctx.nr_cpu_ids)
			p[c] = v;
		s += n;
	}
	p[cpu] = permille;
	out[0] = '\0';
	for (i = 0; i < ctx.nr_cpu_ids; i++)
		if (p[i])
			o += (size_t)sprintf(out + o, "%u %u\n", i, p[i]);
	free(p);
}

static enum gen_kind kind_of(const struct file *f)
{
	switch (f->type) {
	case F_MASK:
		return GEN_CPULIST;
	case F_MODE:
		return GEN_MODE;
	case F_STEAL:
		return GEN_STEAL;
	case F_HOST:
		return GEN_HOST;
	default:
		return GEN_NUMBER;
	}
}

static bool writable(const struct file *f)
{
	return f->type != F_COUNTER && f->type != F_CONST &&
	       f->type != F_RO_DEBUG;
}

/*
 * What the kernel must do with a write of @buf to @f, given the state
 * (phase 1: read just before): @ret the result, @text what the file then
 * reads; *@state false when the outcome depends on state this caller
 * does not hold still (phase 2), and then only refusals are certain.
 */
struct expect {
	ssize_t ret;		/* a byte count, or -errno */
	bool any_error;		/* refused with some error (state unknown) */
	char text[READ_MAX];	/* after success; "" if not known */
};

static bool mode_off(void)
{
	char buf[READ_MAX];

	return read_file(find("mode"), buf) > 0 && !strcmp(buf, "off\n");
}

static void expect_write(const struct file *f, const char *buf, size_t len,
			 const char *before, bool known, struct expect *e)
{
	char text[MODEL_PAGE_SIZE + 1];
	size_t taken = model_sysfs_text(buf, len, text);
	struct vfold_cpuset set;
	unsigned long long other;
	unsigned int v, p;
	uint64_t h;
	int ret;

	e->any_error = false;
	e->text[0] = '\0';
	if (!len && !f->debugfs) {
		/* sysfs: nothing written, no store called. */
		e->ret = 0;
		snprintf(e->text, sizeof(e->text), "%s", before);
		return;
	}
	e->ret = (ssize_t)taken;
	switch (f->type) {
	case F_MASK:
		if (known && !mode_off()) {
			e->ret = -EBUSY;
			return;
		}
		ret = model_parselist(text, ctx.nr_cpu_ids, &set);
		if (ret || !subset_online(&set) ||
		    (vfold_cpuset_count(&set) && covers_online(&set))) {
			e->ret = -EINVAL;
			return;
		}
		if (!known) {
			e->any_error = true;
			e->ret = 0;
		}
		mask_text(&set, e->text);
		return;
	case F_MODE:
		ret = model_sysfs_match(modes, text);
		if (ret < 0)
			e->ret = -EINVAL;
		else
			snprintf(e->text, sizeof(e->text), "%s\n", modes[ret]);
		return;
	case F_KNOB:
		if (model_kstrtouint(text, 10, &v) || v < f->lo || v > hi_of(f)) {
			e->ret = -EINVAL;
			return;
		}
		snprintf(e->text, sizeof(e->text), "%u\n", v);
		if (!f->below && !f->above)
			return;
		if (!known) {
			e->any_error = true;
			return;
		}
		if ((f->below && read_uint(find(f->below), &other) && v >= other) ||
		    (f->above && read_uint(find(f->above), &other) && v <= other))
			e->ret = -EINVAL;
		return;
	case F_STEAL:
		if (model_inject_steal(buf, len, ctx.nr_cpu_ids, &v, &p)) {
			e->ret = -EINVAL;
			return;
		}
		e->ret = (ssize_t)len;
		if (known)
			steal_apply(before, v, p, e->text);
		return;
	case F_HOST:
		ret = model_inject_host(buf, len, ctx.nr_cpu_ids, &h);
		if (ret) {
			e->ret = ret;
			return;
		}
		e->ret = (ssize_t)len;
		snprintf(e->text, sizeof(e->text), "%" PRIu64 "\n", h);
		return;
	default:
		e->ret = -EACCES;
		e->any_error = true;
		return;
	}
}

/* A read of @f is a valid value; @last (counters) the last one seen. */
static bool read_valid(struct file *f, const char *text,
		       unsigned long long *last, char *why, size_t len)
{
	unsigned long long v;
	char *end;

	switch (f->type) {
	case F_MASK:
		return mask_valid(text, why, len);
	case F_MODE:
		snprintf(why, len, "not a mode");
		return model_sysfs_match(modes, text) >= 0 && strchr(text, '\n');
	case F_KNOB:
		snprintf(why, len, "not a number in %u..%u", f->lo, hi_of(f));
		return number_valid(f, text);
	case F_COUNTER:
		errno = 0;
		v = strtoull(text, &end, 10);
		if (errno || strcmp(end, "\n") || text[0] < '0' || text[0] > '9') {
			snprintf(why, len, "not a number");
			return false;
		}
		if (last && v < *last) {
			snprintf(why, len, "went back from %llu", *last);
			return false;
		}
		if (last)
			*last = v;
		return true;
	case F_CONST:
		snprintf(why, len, "changed from \"%.60s\"", f->saved);
		return !strcmp(text, f->saved);
	case F_STEAL:
		snprintf(why, len, "not \"CPU PERMILLE\" lines");
		return steal_valid(text);
	case F_HOST:
		errno = 0;
		v = strtoull(text, &end, 10);
		snprintf(why, len, "not a number up to %u", ctx.nr_cpu_ids);
		return !errno && !strcmp(end, "\n") && v <= ctx.nr_cpu_ids;
	default:
		return true;
	}
}

/* Cross-file invariants, read now; phase 1 calls it after each write. */
static void invariants(unsigned long op, unsigned long long *counters)
{
	static const char *const pairs[][2] = {
		{ "steal_low_permille", "steal_high_permille" },
		{ "smt_low_permille", "smt_high_permille" },
	};
	unsigned long long lo, hi;
	char text[READ_MAX], why[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!find(pairs[i][0])->present)
			continue;
		check();
		if (!read_uint(find(pairs[i][0]), &lo) ||
		    !read_uint(find(pairs[i][1]), &hi) || lo >= hi)
			fail(NULL, "op %lu: %s %llu not below %s %llu", op,
			     pairs[i][0], lo, pairs[i][1], hi);
		else
			continue;
		atomic_fetch_add(&ctx.inv_failures, 1);
	}
	for (i = 0; i < NR_FILES; i++) {
		struct file *f = &files[i];

		if (!f->present || f->type == F_RO_DEBUG)
			continue;
		check();
		if (read_file(f, text) < 0)
			fail(f, "op %lu: %s unreadable", op, f->name);
		else if (!read_valid(f, text, &counters[i], why, sizeof(why)))
			fail(f, "op %lu: %s reads \"%.200s\": %s", op, f->name,
			     text, why);
		else
			continue;
		atomic_fetch_add(&ctx.inv_failures, 1);
	}
}

static void report_write(struct file *f, unsigned long op, const char *buf,
			 size_t len, ssize_t ret, const struct expect *e,
			 const char *before, const char *after, const char *what)
{
	char esc[160], b[100], a[100], x[100];

	gen_escape(buf, len, esc, sizeof(esc));
	gen_escape(before, strlen(before), b, sizeof(b));
	gen_escape(after, strlen(after), a, sizeof(a));
	gen_escape(e->text, strlen(e->text), x, sizeof(x));
	fail(f, "op %lu %s: wrote \"%s\" (%zu bytes): got %s, model %s%s; before \"%s\" after \"%s\" expected \"%s\": %s",
	     op, f->name, esc, len, err_name(ret),
	     e->any_error ? "any error or " : "", err_name(e->ret), b, a, x,
	     what);
}

/* Phase 1: one write, its result and read-back against the model. */
static void single_op(struct rng *r, unsigned long op, struct file *f)
{
	char before[READ_MAX], after[READ_MAX], mode_before[READ_MAX];
	static char buf[GEN_MAX];
	struct expect e;
	size_t len;
	ssize_t ret;

	len = gen_input(r, kind_of(f), f->lo, f->type == F_MASK ||
			f->type == F_STEAL ? ctx.nr_cpu_ids - 1 : hi_of(f),
			modes, buf);
	read_file(f, before);
	read_file(find("mode"), mode_before);
	expect_write(f, buf, len, before, true, &e);
	ret = write_file(f, buf, len);
	f->writes++;
	atomic_fetch_add(&ctx.writes, 1);
	read_file(f, after);
	check();
	f->checks++;

	if (!writable(f)) {
		unsigned long long last = 0, v;

		if (ret >= 0)
			report_write(f, op, buf, len, ret, &e, before, after,
				     "a read-only file took a write");
		if (f->type == F_COUNTER && sscanf(before, "%llu", &last) == 1 &&
		    (sscanf(after, "%llu", &v) != 1 || v < last))
			report_write(f, op, buf, len, ret, &e, before, after,
				     "counter changed by a write");
		ret >= 0 ? f->accepted++ : f->refused++;
		return;
	}
	if (ret >= 0) {
		f->accepted++;
		if (e.ret < 0)
			report_write(f, op, buf, len, ret, &e, before, after,
				     "took what the model refuses");
		else if (ret != e.ret)
			report_write(f, op, buf, len, ret, &e, before, after,
				     "took another byte count");
		else if (strcmp(after, e.text))
			report_write(f, op, buf, len, ret, &e, before, after,
				     "reads back other than written");
	} else {
		f->refused++;
		if (e.ret >= 0 || ret != e.ret)
			report_write(f, op, buf, len, ret, &e, before, after,
				     e.ret >= 0 ? "refused what the model takes" :
				     "refused with another error");
		else if (strcmp(after, before) && f->type != F_MASK)
			report_write(f, op, buf, len, ret, &e, before, after,
				     "changed though refused");
		else if (f->type == F_MASK && !strcmp(mode_before, "off\n") &&
			 strcmp(after, before))
			report_write(f, op, buf, len, ret, &e, before, after,
				     "changed though refused");
	}
	/* Leaving a governor mode gives every CPU back. */
	if (f->type == F_MODE && ret >= 0 && strcmp(mode_before, "off\n") &&
	    !strcmp(after, "off\n")) {
		char mask[READ_MAX];

		check();
		if (read_file(find("paravirt"), mask) < 0 || strcmp(mask, "\n"))
			fail(f, "op %lu: mode %s -> off left the mask \"%.80s\"",
			     op, mode_before, mask);
	}
}

/* Which file each write goes to: the mask and knobs most. */
static struct file *pick(struct rng *r)
{
	for (;;) {
		uint32_t w = rng_below(r, 100);
		struct file *f;

		if (w < 25)
			f = find("paravirt");
		else if (w < 30)
			f = find("mode");
		else if (w < 42)
			f = &files[NR_FILES - 1 - rng_below(r, 5)];
		else
			f = &files[rng_below(r, NR_FILES)];
		if (f->present)
			return f;
	}
}

static unsigned long phase_single(uint64_t seed, unsigned long ops,
				  double seconds)
{
	unsigned long long counters[NR_FILES] = { 0 };
	double end = now_s() + seconds;
	unsigned long op;
	struct rng r;

	rng_seed(&r, seed);
	for (op = 0; ops ? op < ops : now_s() < end; op++) {
		single_op(&r, op, pick(&r));
		invariants(op, counters);
	}
	return op;
}

/* Phase 2: a writer's write, checked for what holds whatever runs. */
static void concurrent_write(struct rng *r, struct file *f)
{
	static __thread char buf[GEN_MAX];
	static __thread struct expect e;
	size_t len;
	ssize_t ret;

	len = gen_input(r, kind_of(f), f->lo, f->type == F_MASK ||
			f->type == F_STEAL ? ctx.nr_cpu_ids - 1 : hi_of(f),
			modes, buf);
	expect_write(f, buf, len, "", false, &e);
	ret = write_file(f, buf, len);
	atomic_fetch_add(&ctx.writes, 1);
	check();
	if (ret >= 0 && e.ret < 0 && !e.any_error)
		report_write(f, 0, buf, len, ret, &e, "?", "?",
			     "took what the model refuses (concurrent)");
	else if (ret < 0 && e.ret >= 0 && !e.any_error)
		report_write(f, 0, buf, len, ret, &e, "?", "?",
			     "refused what the model takes (concurrent)");
}

struct worker {
	pthread_t t;
	uint64_t seed;
	bool reader;
};

static const char *const lows[] = { "steal_low_permille", "smt_low_permille" };
static const char *const highs[] = { "steal_high_permille", "smt_high_permille" };

static void *writer_fn(void *arg)
{
	struct worker *w = arg;
	struct rng r;

	rng_seed(&r, w->seed);
	while (!atomic_load(&ctx.stop)) {
		struct file *f = pick(&r);

		if (ctx.held) {
			/* Push a low knob at and past its high one. */
			f = find(lows[rng_below(&r, 2)]);
			if (!f->present)
				continue;
		} else if (!writable(f) || (f->type == F_MODE && rng_below(&r, 4))) {
			continue;
		}
		concurrent_write(&r, f);
	}
	return NULL;
}

static void *reader_fn(void *arg)
{
	unsigned long long counters[NR_FILES] = { 0 }, lo, hi[2] = { 0, 0 };
	char text[READ_MAX], why[128];
	size_t i;

	(void)arg;
	if (ctx.held)
		for (i = 0; i < 2; i++)
			if (find(highs[i])->present)
				read_uint(find(highs[i]), &hi[i]);
	while (!atomic_load(&ctx.stop)) {
		for (i = 0; i < NR_FILES; i++) {
			struct file *f = &files[i];

			if (!f->present || f->type == F_RO_DEBUG)
				continue;
			if (read_file(f, text) < 0)
				continue;
			check();
			if (!read_valid(f, text, &counters[i], why, sizeof(why)))
				fail(NULL, "concurrent: %s reads \"%.200s\": %s",
				     f->name, text, why);
		}
		for (i = 0; ctx.held && i < 2; i++) {
			if (!find(lows[i])->present)
				continue;
			check();
			if (read_uint(find(lows[i]), &lo) && lo >= hi[i])
				fail(NULL, "concurrent: %s reads %llu, not below %s %llu (held)",
				     lows[i], lo, highs[i], hi[i]);
		}
	}
	return NULL;
}

static void phase_concurrent(uint64_t seed, unsigned int threads,
			     double seconds, bool held)
{
	struct worker w[2 * THREADS_MAX];
	unsigned int i, n = 2 * threads;

	ctx.held = held;
	atomic_store(&ctx.stop, false);
	for (i = 0; i < n; i++) {
		w[i].seed = seed + 0x100 * (i + 1) + held;
		w[i].reader = i >= threads;
		if (pthread_create(&w[i].t, NULL, w[i].reader ? reader_fn :
				   writer_fn, &w[i])) {
			fail(NULL, "cannot start a thread");
			n = i;
			break;
		}
	}
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&ctx.stop, true);
	for (i = 0; i < n; i++)
		pthread_join(w[i].t, NULL);
}

/* Writes @f's saved value until it takes it (orderings may refuse). */
static bool restore(void)
{
	struct file *mode = find("mode"), *mask = find("paravirt");
	bool done = false;
	unsigned int round, cpu;
	size_t i;

	if (mode->present)
		write_file(mode, "off", 3);
	for (round = 0; round < 3 && !done; round++) {
		done = true;
		for (i = 0; i < NR_FILES; i++) {
			struct file *f = &files[i];
			char now[READ_MAX];

			if (!f->present || f->type != F_KNOB)
				continue;
			if (read_file(f, now) > 0 && !strcmp(now, f->saved))
				continue;
			if (write_file(f, f->saved, strlen(f->saved)) < 0)
				done = false;
		}
	}
	if (find("inject_cpu_steal")->present)
		for (cpu = 0; cpu < ctx.nr_cpu_ids; cpu++) {
			char line[32];

			snprintf(line, sizeof(line), "%u 0", cpu);
			write_file(find("inject_cpu_steal"), line, strlen(line));
		}
	if (find("inject_cpu_steal")->present) {
		const char *s = find("inject_cpu_steal")->saved;
		int n;

		while (sscanf(s, "%u %*u%n", &cpu, &n) == 1) {
			write_file(find("inject_cpu_steal"), s, (size_t)n);
			s += n + (s[n] == '\n');
		}
	}
	if (find("inject_host_cpus")->present) {
		struct file *f = find("inject_host_cpus");

		write_file(f, f->saved, strlen(f->saved));
	}
	if (mode->present)
		write_file(mode, mode->saved, strlen(mode->saved));
	if (mask->present && !strcmp(mode->saved, "off\n"))
		write_file(mask, mask->saved, strlen(mask->saved));
	for (i = 0; i < NR_FILES; i++) {
		char now[READ_MAX];

		if (files[i].present && writable(&files[i]) &&
		    (read_file(&files[i], now) < 0 || strcmp(now, files[i].saved))) {
			printf("# %s is \"%.80s\", was \"%.80s\"\n", files[i].name,
			       now, files[i].saved);
			done = false;
		}
	}
	return done;
}

static int setup(const char *sysfs, const char *debugfs)
{
	char path[512], text[READ_MAX];
	struct vfold_cpuset possible;
	unsigned int cpu;
	size_t i;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/possible", sysfs);
	if (read_path(path, text) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if (vfold_cpulist_parse(text, &possible))
		return -1;
	for (cpu = 0; cpu < VFOLD_CPUS_MAX; cpu++)
		if (vfold_cpuset_test(&possible, cpu))
			ctx.nr_cpu_ids = cpu + 1;
	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", sysfs);
	if (read_path(path, ctx.online_text) < 0)
		return -1;
	snprintf(text, sizeof(text), "%s", ctx.online_text);
	text[strcspn(text, "\n")] = '\0';
	if (vfold_cpulist_parse(text, &ctx.online) || !ctx.nr_cpu_ids)
		return -1;

	for (i = 0; i < NR_FILES; i++) {
		struct file *f = &files[i];

		if (f->type == F_MASK)
			snprintf(f->path, sizeof(f->path),
				 "%s/devices/system/cpu/paravirt", sysfs);
		else if (f->debugfs)
			snprintf(f->path, sizeof(f->path),
				 "%s/paravirt_governor/%s", debugfs, f->name);
		else
			snprintf(f->path, sizeof(f->path),
				 "%s/devices/system/cpu/paravirt_governor/%s",
				 sysfs, f->name);
		f->present = read_file(f, f->saved) >= 0;
	}
	return find("paravirt")->present && find("mode")->present ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-sysfuzz [options]\n"
"\n"
"Fuzz the paravirt CPU files of the kernel: the paravirt mask, every\n"
"file of paravirt_governor/ and the governor's debugfs injection.\n"
"Prints TAP; run as root in a test guest, never on a host in use.\n"
"\n"
"Options:\n"
" -s, --seed N          the seed (default: from the clock; printed)\n"
" -d, --duration SEC    seconds in all (default 30): half one writer,\n"
"                       a quarter each concurrent part\n"
" -n, --ops N           the one-writer phase does exactly N writes\n"
"                       (with --seed: replays them)\n"
" -t, --threads N       writers and as many readers (default 2, max 16)\n"
"     --sysfs-root DIR  sysfs at DIR (default /sys)\n"
"     --debugfs DIR     debugfs at DIR (default SYSFS-ROOT/kernel/debug)\n"
" -h, --help            this text\n"
"\n"
"Exit status: 0 every check passed, 1 a check failed, 2 bad usage,\n"
"4 skipped (no paravirt files).\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SYSFS = 256, OPT_DEBUGFS };
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ops", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "sysfs-root", required_argument, NULL, OPT_SYSFS },
		{ "debugfs", required_argument, NULL, OPT_DEBUGFS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = "/sys", *debugfs = NULL;
	unsigned int duration = 30, threads = 2, ops = 0, t = 1;
	unsigned long single_writes, single_checks, w, c;
	char debugfs_buf[512];
	double start;
	size_t i;
	int opt;

	ctx.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt_long(argc, argv, "s:d:n:t:h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_u64(optarg, &ctx.seed))
				goto bad;
			break;
		case 'd':
			if (vfold_parse_uint(optarg, 1, 86400, &duration))
				goto bad;
			break;
		case 'n':
			if (vfold_parse_uint(optarg, 1, 100000000, &ops))
				goto bad;
			break;
		case 't':
			if (vfold_parse_uint(optarg, 1, THREADS_MAX, &threads))
				goto bad;
			break;
		case OPT_SYSFS:
			sysfs = optarg;
			break;
		case OPT_DEBUGFS:
			debugfs = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind < argc)
		goto bad;
	if (!debugfs) {
		snprintf(debugfs_buf, sizeof(debugfs_buf), "%s/kernel/debug",
			 sysfs);
		debugfs = debugfs_buf;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (setup(sysfs, debugfs)) {
		printf("1..0 # SKIP no %s/devices/system/cpu/paravirt or paravirt_governor/\n",
		       sysfs);
		return 4;
	}
	printf("1..%zu\n", NR_FILES + 4);
	printf("# seed %#" PRIx64 " (replay: vfold-sysfuzz --seed %#" PRIx64 " --ops N)\n",
	       ctx.seed, ctx.seed);
	printf("# nr_cpu_ids %u, online %s", ctx.nr_cpu_ids, ctx.online_text);

	start = now_s();
	single_writes = phase_single(ctx.seed, ops, duration / 2.0);
	single_checks = atomic_load(&ctx.checks);
	printf("# one writer: %lu writes, %lu checks in %.1f s\n", single_writes,
	       single_checks, now_s() - start);
	for (i = 0; i < NR_FILES; i++) {
		struct file *f = &files[i];

		if (!f->present) {
			printf("ok %u - single: %s # SKIP not present\n", t++, f->name);
			continue;
		}
		printf("%s %u - single: %s: %lu writes, %lu taken, %lu refused, %lu checks\n",
		       f->failures ? "not ok" : "ok", t++, f->name, f->writes,
		       f->accepted, f->refused, f->checks);
	}
	c = atomic_load(&ctx.inv_failures);
	printf("%s %u - single: cross-file invariants after each write\n",
	       c ? "not ok" : "ok", t++);

	for (i = 0; i < 2; i++) {
		unsigned long f0 = atomic_load(&ctx.failures);

		w = atomic_load(&ctx.writes);
		c = atomic_load(&ctx.checks);
		start = now_s();
		phase_concurrent(ctx.seed, threads, duration / 4.0, i);
		printf("# concurrent%s: %u writers, %u readers: %lu writes, %lu checks in %.1f s\n",
		       i ? " (high knobs held)" : "", threads, threads,
		       atomic_load(&ctx.writes) - w, atomic_load(&ctx.checks) - c,
		       now_s() - start);
		printf("%s %u - concurrent: %s\n",
		       atomic_load(&ctx.failures) != f0 ? "not ok" : "ok", t++,
		       i ? "low knobs never read at or above the high ones" :
		       "every read valid, every invalid write refused");
	}
	printf("%s %u - restore: mode, knobs, injections and mask as found\n",
	       restore() ? "ok" : "not ok", t++);
	printf("# %lu checks failed\n", atomic_load(&ctx.failures));
	return atomic_load(&ctx.failures) ? 1 : 0;

bad:
	usage(stderr);
	return 2;
}
