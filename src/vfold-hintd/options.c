// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's options. Every value, from the command line or from the
 * config file, goes through set_opt(): one check per option whatever its
 * source. Settings are built in layers: the defaults, then the file, then
 * the command line again in its order (its options override the file's);
 * a reload builds them anew the same way, from the same command line.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "longopt.h"
#include "number.h"
#include "options.h"
#include "protocol.h"

#define TTL_FLOOR_MS	10000	/* the guest's default hint_ttl_ms */
#define ERR_MAX		256
/* inih keeps this many characters of a section's name (its MAX_SECTION). */
#define SECTION_MAX	49
/* What a bad section line is given to inih as: its keys are skipped. */
#define BAD_SECTION	"\001bad"

enum {
	OPT_QMP = 256, OPT_QMP_DIR, OPT_LIBVIRT, OPT_CONFIG, OPT_INTERVAL,
	OPT_TTL, OPT_CPUS, OPT_MIN_CPUS, OPT_WEIGHT, OPT_FLOOR, OPT_HEADROOM,
	OPT_LOWER_AFTER, OPT_METRICS, OPT_NO_CGROUP, OPT_CGROUP,
	OPT_CGROUP_ROOT, OPT_ONCE, OPT_JSON, OPT_DRY_RUN, OPT_HELP,
};

/* Where an option may be given, and whether a reload may change it. */
#define IN_CLI		1
#define IN_FILE		2	/* a key of [hintd], named alike */
#define AT_START	4	/* the backend's: read once */

/* Who is setting values: a second --qmp-dir of one source is an error. */
enum { SRC_FILE = 1, SRC_CLI };

static const struct opt_def {
	const char *name;
	int id;
	bool arg;
	unsigned int flags;
} defs[] = {
	{ "qmp", OPT_QMP, true, IN_CLI | IN_FILE | AT_START },
	{ "qmp-dir", OPT_QMP_DIR, true, IN_CLI | IN_FILE | AT_START },
	{ "libvirt", OPT_LIBVIRT, true, IN_CLI | IN_FILE | AT_START },
	{ "config", OPT_CONFIG, true, IN_CLI },
	{ "interval-ms", OPT_INTERVAL, true, IN_CLI | IN_FILE },
	{ "ttl-ms", OPT_TTL, true, IN_CLI | IN_FILE },
	{ "cpus", OPT_CPUS, true, IN_CLI | IN_FILE },
	{ "min-cpus", OPT_MIN_CPUS, true, IN_CLI | IN_FILE },
	/* In the file: keys of a [vm NAME] section. */
	{ "weight", OPT_WEIGHT, true, IN_CLI },
	{ "floor", OPT_FLOOR, true, IN_CLI },
	{ "headroom", OPT_HEADROOM, true, IN_CLI | IN_FILE },
	{ "lower-after", OPT_LOWER_AFTER, true, IN_CLI | IN_FILE },
	{ "metrics-file", OPT_METRICS, true, IN_CLI | IN_FILE },
	{ "no-cgroup", OPT_NO_CGROUP, false, IN_CLI | AT_START },
	{ "cgroup", OPT_CGROUP, true, IN_FILE | AT_START },
	{ "cgroup-root", OPT_CGROUP_ROOT, true, IN_CLI | IN_FILE | AT_START },
	{ "once", OPT_ONCE, false, IN_CLI },
	{ "json", OPT_JSON, false, IN_CLI },
	{ "dry-run", OPT_DRY_RUN, false, IN_CLI },
	{ "help", OPT_HELP, false, IN_CLI },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-hintd [OPTION]... (--qmp PATH | --qmp-dir DIR | --libvirt URI)...\n"
"Tell each QEMU guest how many vCPUs to use while the host's CPUs are\n"
"overcommitted (the guest runs vfold-agent).\n"
"\n"
"  --qmp PATH           a VM's QMP socket (repeatable); its hint socket is\n"
"                       PATH with .hint for .qmp\n"
"  --qmp-dir DIR        every DIR/NAME.qmp, rescanned each interval, with\n"
"                       DIR/NAME.hint\n"
"  --libvirt URI        VMs of the libvirt connection URI, e.g.\n"
"                       qemu:///system: each running domain with a channel\n"
"                       org.vfold.hint.0; its weight is the domain's CPU\n"
"                       shares unless --weight names it\n"
"  --config FILE        settings from FILE (INI: [hintd], [vm NAME]); the\n"
"                       command line overrides it; SIGHUP reloads it\n"
"  --interval-ms N      measure and decide every N ms (default 1000)\n"
"  --ttl-ms N           a target's lifetime in the guest: %d..%d,\n"
"                       over 2 intervals (default 5 intervals, at least %d)\n"
"  --cpus N             host CPUs the VMs share (default: the union of\n"
"                       their vCPU threads' affinity)\n"
"  --min-cpus N         no target below N vCPUs (default 1)\n"
"  --weight NAME=W      VM NAME's share, relative (default 1; repeatable)\n"
"  --floor NAME=N       VM NAME never gets a target below N vCPUs\n"
"                       (repeatable)\n"
"  --headroom CPUS      spare CPUs per VM over its demand (default 0.1)\n"
"  --lower-after N      intervals before a target falls (default 3)\n"
"  --metrics-file PATH  write Prometheus text metrics to PATH every interval\n"
"  --no-cgroup          do not put VMs into weighted cpu cgroups\n"
"  --cgroup-root DIR    the cgroup mount (default /sys/fs/cgroup)\n"
"  --once               one interval: measure, decide, print, exit\n"
"  --json               print each interval as one JSON line\n"
"  --dry-run            decide and print, but send nothing and touch no\n"
"                       cgroup\n"
"  --help               this help\n", VFOLD_TTL_MS_MIN, VFOLD_TTL_MS_MAX,
		TTL_FLOOR_MS);
}

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vfold-hintd: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'vfold-hintd --help'.\n");
	va_end(ap);
	exit(2);
}

static int __attribute__((format(printf, 2, 3)))
fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

static void __attribute__((format(printf, 3, 4)))
msg_add(struct opts_msgs *m, bool error, const char *fmt, ...)
{
	char line[ERR_MAX + PATH_MAX];
	va_list ap;
	size_t len;
	char *t;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	m->errors += error;
	t = realloc(m->text, m->len + len + 2);
	if (!t)
		return;		/* the error still counts */
	memcpy(t + m->len, line, len);
	m->len += len;
	t[m->len++] = '\n';
	t[m->len] = '\0';
	m->text = t;
}

void opts_msgs_print(const struct opts_msgs *m, FILE *f)
{
	const char *l, *nl;

	for (l = m->text; l && (nl = strchr(l, '\n')); l = nl + 1)
		fprintf(f, "vfold-hintd: %.*s\n", (int)(nl - l), l);
}

void opts_msgs_free(struct opts_msgs *m)
{
	free(m->text);
	memset(m, 0, sizeof(*m));
}

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *v, char *err)
{
	if (vfold_parse_uint(s, min, max, v))
		return fail(err, "expected an integer in %u..%u", min, max);
	return 0;
}

/* A number > 0 (or >= 0 with @zero_ok), at most @max. */
static int parse_number(const char *s, bool zero_ok, double max, double *v,
			char *err)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !(x > 0 || (zero_ok && x == 0)) ||
	    x > max)
		return fail(err, "expected a number %s 0 and <= %.0f",
			    zero_ok ? ">=" : ">", max);
	*v = x;
	return 0;
}

static int parse_bool(const char *s, bool *v, char *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*v = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return fail(err, "expected yes or no");
}

static int set_str(const char **field, const char *val, char *err)
{
	char *s = strdup(val);

	if (!s)
		return fail(err, "out of memory");
	free((char *)*field);
	*field = s;
	return 0;
}

/* One of a source: a second one is a mistake, another source's is not. */
static int set_once(struct opts *o, const char **field, int *source,
		    const char *val, char *err)
{
	if (*field && *source == o->source)
		return fail(err, "given twice");
	*source = o->source;
	return set_str(field, val, err);
}

static void clear_qmp(struct opts *o)
{
	size_t i;

	for (i = 0; i < o->nr_qmp; i++)
		free((char *)o->qmp[i]);
	free(o->qmp);
	o->qmp = NULL;
	o->nr_qmp = 0;
}

/* A list from one source replaces the other's. */
static int add_qmp(struct opts *o, const char *val, char *err)
{
	const char **q;

	if (o->nr_qmp && o->qmp_source != o->source)
		clear_qmp(o);
	o->qmp_source = o->source;
	q = realloc(o->qmp, (o->nr_qmp + 1) * sizeof(*q));
	if (!q)
		return fail(err, "out of memory");
	o->qmp = q;
	q[o->nr_qmp] = NULL;
	if (set_str(&q[o->nr_qmp], val, err))
		return -1;
	o->nr_qmp++;
	return 0;
}

static struct vm_conf *find_vmc(const struct opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nr_vmc; i++)
		if (!strcmp(o->vmc[i].name, name))
			return &o->vmc[i];
	return NULL;
}

/* VM @name's weight or floor (@id) is @val. */
static int set_vm(struct opts *o, const char *name, int id, const char *val,
		  char *err)
{
	char clean[VM_NAME_MAX];
	struct vm_conf *c;
	double weight;
	unsigned int floor;

	if (id == OPT_WEIGHT) {
		if (parse_number(val, false, 1e4, &weight, err))
			return fail(err, "the weight must be a number > 0 and <= 10000");
	} else if (parse_uint(val, 1, 1024, &floor, err)) {
		return -1;
	}
	/* Named as the VM names are: the same characters replaced. */
	vm_name_clean(clean, name);
	c = find_vmc(o, clean);
	if (!c) {
		c = realloc(o->vmc, (o->nr_vmc + 1) * sizeof(*c));
		if (!c)
			return fail(err, "out of memory");
		o->vmc = c;
		c = &o->vmc[o->nr_vmc++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", clean);
	}
	if (id == OPT_WEIGHT)
		c->weight = weight;
	else
		c->floor = floor;
	return 0;
}

/* --weight NAME=W, --floor NAME=N */
static int set_vm_arg(struct opts *o, int id, const char *arg, char *err)
{
	const char *eq = strchr(arg, '=');
	char name[VM_NAME_MAX];

	if (!eq || eq == arg)
		return fail(err, "expected NAME=%s", id == OPT_WEIGHT ?
			    "WEIGHT" : "N");
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	return set_vm(o, name, id, eq + 1, err);
}

/* The one check of every option's value: 0, or -1 and why in @err. */
static int set_opt(struct opts *o, int id, const char *val, char *err)
{
	bool b = false;

	switch (id) {
	case OPT_QMP:
		return add_qmp(o, val, err);
	case OPT_QMP_DIR:
		return set_once(o, &o->qmp_dir, &o->qmp_dir_source, val, err);
	case OPT_LIBVIRT:
		return set_once(o, &o->libvirt_uri, &o->libvirt_source, val,
				err);
	case OPT_CONFIG:
		if (o->config)
			return fail(err, "given twice");
		return set_str(&o->config, val, err);
	case OPT_INTERVAL:
		return parse_uint(val, 10, 600000, &o->interval_ms, err);
	case OPT_TTL:
		return parse_uint(val, VFOLD_TTL_MS_MIN, VFOLD_TTL_MS_MAX,
				  &o->ttl_ms, err);
	case OPT_CPUS:
		return parse_number(val, false, 1e6, &o->cpus, err);
	case OPT_MIN_CPUS:
		return parse_uint(val, 1, 1024, &o->pp.min_cpus, err);
	case OPT_WEIGHT:
	case OPT_FLOOR:
		return set_vm_arg(o, id, val, err);
	case OPT_HEADROOM:
		return parse_number(val, true, 1e6, &o->pp.headroom_cpus, err);
	case OPT_LOWER_AFTER:
		return parse_uint(val, 1, 1000, &o->pp.lower_after, err);
	case OPT_METRICS:
		if (!*val)
			return fail(err, "expected a path");
		return set_str(&o->metrics_file, val, err);
	case OPT_NO_CGROUP:
		o->no_cgroup = true;
		return 0;
	case OPT_CGROUP:
		if (parse_bool(val, &b, err))
			return -1;
		o->no_cgroup = !b;
		return 0;
	case OPT_CGROUP_ROOT:
		return set_str(&o->cgroup_root, val, err);
	case OPT_ONCE:
		o->once = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	}
	return fail(err, "unknown option");
}

static const struct opt_def *find_def(const char *name, unsigned int where)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if ((defs[i].flags & where) && !strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

static const struct opt_def *def_of(int id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (defs[i].id == id)
			return &defs[i];
	return NULL;
}

static void opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_ms = 1000;
	policy_defaults(&o->pp);
}

void opts_free(struct opts *o)
{
	clear_qmp(o);
	free((char *)o->qmp_dir);
	free((char *)o->libvirt_uri);
	free((char *)o->cgroup_root);
	free((char *)o->metrics_file);
	free((char *)o->config);
	free(o->vmc);
	free(o->args);
	memset(o, 0, sizeof(*o));
}

/* The config file, read line by line for the line numbers of errors. */
struct file_ctx {
	struct opts *o;
	const char *path;
	FILE *f;
	unsigned int line;
	char *buf;
	size_t cap;
	char bad_section[VM_NAME_MAX + 8];
	struct opts_msgs *m;
};

static void __attribute__((format(printf, 2, 3)))
file_error(struct file_ctx *c, const char *fmt, ...)
{
	char msg[ERR_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg_add(c->m, true, "%s:%u: %s", c->path, c->line, msg);
}

/* "vm NAME": NAME, or NULL. */
static const char *vm_section(const char *section)
{
	if (strncmp(section, "vm", 2) || !isspace((unsigned char)section[2]))
		return NULL;
	section += 2;
	while (isspace((unsigned char)*section))
		section++;
	return *section ? section : NULL;
}

/*
 * A section line inih would cut or we would misread: false, with the
 * error said. inih keeps SECTION_MAX characters of a name; a VM's name
 * there must not begin or end with a blank (it would be a '_' of it).
 */
static bool section_ok(struct file_ctx *c, const char *line)
{
	const char *name, *end;
	int len;

	line += strspn(line, " \t");
	if (*line != '[' || !(end = strchr(line, ']')))
		return true;	/* not a section, or inih's syntax error */
	name = line + 1;
	len = end - name;
	if (len > SECTION_MAX) {
		file_error(c, "section name too long (at most %d characters; a VM name in [vm NAME] at most %d): [%.*s]",
			   SECTION_MAX, SECTION_MAX - 3, len, name);
		return false;
	}
	if (len && (isspace((unsigned char)name[0]) ||
		    isspace((unsigned char)name[len - 1]))) {
		file_error(c, "blank at the %s of the section name [%.*s]",
			   isspace((unsigned char)name[0]) ? "start" : "end",
			   len, name);
		return false;
	}
	return true;
}

/* inih's reader: counts lines, and refuses those it would cut. */
static char *read_line(char *str, int num, void *stream)
{
	struct file_ctx *c = stream;
	ssize_t len = getline(&c->buf, &c->cap, c->f);

	if (len < 0)
		return NULL;
	c->line++;
	if (len >= num) {
		file_error(c, "line too long (at most %d characters)", num - 2);
		str[0] = '\0';
		return str;
	}
	/* Its keys are skipped: the section's error is said once. */
	if (!section_ok(c, c->buf)) {
		snprintf(str, num, "[" BAD_SECTION "]\n");
		return str;
	}
	memcpy(str, c->buf, len + 1);
	return str;
}

static int on_key(void *user, const char *section, const char *key,
		  const char *val)
{
	struct file_ctx *c = user;
	const struct opt_def *def;
	char err[ERR_MAX];
	const char *vm;

	if (!strcmp(section, BAD_SECTION))
		return 1;	/* its error is said */
	if (!strcmp(section, "hintd")) {
		def = find_def(key, IN_FILE);
		if (!def)
			file_error(c, "unknown key '%s' in [hintd]", key);
		else if (set_opt(c->o, def->id, val, err))
			file_error(c, "key '%s': %s", key, err);
	} else if ((vm = vm_section(section))) {
		def = find_def(key, IN_CLI);
		if (!def || (def->id != OPT_WEIGHT && def->id != OPT_FLOOR))
			file_error(c, "unknown key '%s' in [%s]", key, section);
		else if (set_vm(c->o, vm, def->id, val, err))
			file_error(c, "[%s] key '%s': %s", section, key, err);
	} else if (!section[0]) {
		file_error(c, "key '%s' outside a section: put it under [hintd]",
			   key);
	} else if (strcmp(section, c->bad_section)) {
		file_error(c, "unknown section [%s]: expected [hintd] or [vm NAME]",
			   section);
		snprintf(c->bad_section, sizeof(c->bad_section), "%s",
			 section);
	}
	/* inih's own return is kept for its syntax errors. */
	return 1;
}

static void load_file(struct opts *o, const char *path, struct opts_msgs *m)
{
	struct file_ctx c = { .o = o, .path = path, .m = m };
	int r;

	c.f = fopen(path, "re");
	if (!c.f) {
		msg_add(m, true, "%s: %s", path, strerror(errno));
		return;
	}
	o->source = SRC_FILE;
	r = ini_parse_stream(read_line, &c, on_key, &c);
	if (r > 0) {
		/* on_key() never fails: this is inih's first syntax error. */
		c.line = r;
		file_error(&c, "expected [section], key = value or a comment");
	} else if (r < 0 || ferror(c.f)) {
		msg_add(m, true, "%s: %s", path, r == -2 ? "out of memory" :
			"read error");
	}
	free(c.buf);
	fclose(c.f);
}

/* The default a ttl_ms not given takes: 5 intervals, at least 10 s. */
static unsigned int default_ttl_ms(unsigned int interval_ms)
{
	unsigned long ttl = 5ul * interval_ms;

	if (ttl < TTL_FLOOR_MS)
		ttl = TTL_FLOOR_MS;
	return ttl > VFOLD_TTL_MS_MAX ? VFOLD_TTL_MS_MAX : ttl;
}

/* What takes more than one option to check. */
static void finish(struct opts *o, struct opts_msgs *m)
{
	char err[ERR_MAX];

	if (!o->nr_qmp && !o->qmp_dir && !o->libvirt_uri)
		msg_add(m, true, "no VMs: give --qmp PATH, --qmp-dir DIR or --libvirt URI");
	/*
	 * A target renewed every interval must outlive one late interval,
	 * or a guest would unfold between two of them.
	 */
	if (o->ttl_ms && o->ttl_ms <= 2ul * o->interval_ms)
		msg_add(m, true, "--ttl-ms %u: must exceed 2 intervals (%lu ms)",
			o->ttl_ms, 2ul * o->interval_ms);
	if (!o->ttl_ms)
		o->ttl_ms = default_ttl_ms(o->interval_ms);
	if (!o->cgroup_root && set_str(&o->cgroup_root, "/sys/fs/cgroup", err))
		msg_add(m, true, "%s", err);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_qmp(const struct opts *a, const struct opts *b)
{
	size_t i;

	if (a->nr_qmp != b->nr_qmp)
		return false;
	for (i = 0; i < a->nr_qmp; i++)
		if (strcmp(a->qmp[i], b->qmp[i]))
			return false;
	return true;
}

/*
 * A reload keeps the backend as it runs: @o gets @old's, and @notes a
 * line for each that the file would change.
 */
static void keep_backend(struct opts *o, const struct opts *old,
			 struct opts_msgs *notes)
{
	char err[ERR_MAX];
	size_t i;
	const char *changed[5];
	size_t n = 0;

	if (!same_qmp(o, old))
		changed[n++] = "qmp";
	if (!same_str(o->qmp_dir, old->qmp_dir))
		changed[n++] = "qmp-dir";
	if (!same_str(o->libvirt_uri, old->libvirt_uri))
		changed[n++] = "libvirt";
	if (o->no_cgroup != old->no_cgroup)
		changed[n++] = "cgroup";
	if (o->cgroup_root && !same_str(o->cgroup_root, old->cgroup_root))
		changed[n++] = "cgroup-root";
	for (i = 0; i < n; i++)
		msg_add(notes, false, "config: %s changed: takes a restart, kept as it runs",
			changed[i]);

	clear_qmp(o);
	free((char *)o->qmp_dir);
	free((char *)o->libvirt_uri);
	free((char *)o->cgroup_root);
	o->qmp_dir = o->libvirt_uri = o->cgroup_root = NULL;
	o->source = SRC_CLI;
	for (i = 0; i < old->nr_qmp; i++)
		add_qmp(o, old->qmp[i], err);
	if (old->qmp_dir)
		set_str(&o->qmp_dir, old->qmp_dir, err);
	if (old->libvirt_uri)
		set_str(&o->libvirt_uri, old->libvirt_uri, err);
	if (old->cgroup_root)
		set_str(&o->cgroup_root, old->cgroup_root, err);
	o->no_cgroup = old->no_cgroup;
}

/*
 * @o from the defaults, the file @config (if any) and the command line
 * @args; with @old (a reload), @old's backend. 0, or -1 with the errors
 * in @m and @o empty.
 */
static int opts_build(struct opts *o, const char *config,
		      const struct opt_arg *args, size_t nr_args,
		      const struct opts *old, struct opts_msgs *m)
{
	struct opts_msgs notes = { 0 };
	unsigned int errors = m->errors;
	char err[ERR_MAX];
	size_t i;

	opts_init(o);
	o->args = malloc((nr_args ? nr_args : 1) * sizeof(*args));
	if (!o->args) {
		msg_add(m, true, "out of memory");
		return -1;
	}
	if (nr_args)
		memcpy(o->args, args, nr_args * sizeof(*args));
	o->nr_args = nr_args;
	if (config)
		load_file(o, config, m);
	o->source = SRC_CLI;
	for (i = 0; i < nr_args; i++) {
		const struct opt_def *def = def_of(args[i].id);

		if (set_opt(o, args[i].id, args[i].val, err))
			msg_add(m, true, "--%s%s%s: %s", def->name,
				args[i].val ? " " : "",
				args[i].val ? args[i].val : "", err);
	}
	if (old)
		keep_backend(o, old, &notes);
	finish(o, m);
	if (m->errors != errors) {
		opts_msgs_free(&notes);
		opts_free(o);
		return -1;
	}
	if (notes.text)
		msg_add(m, false, "%.*s", (int)notes.len - 1, notes.text);
	opts_msgs_free(&notes);
	return 0;
}

/* The first error of the command line into @msg, alone: "" if none. */
static struct opt_arg *read_args(int argc, char **argv, size_t *nr_args,
				 bool *help, char *msg, size_t len)
{
	struct option lo[ARRAY_SIZE(defs) + 1];
	struct opt_arg *args = NULL, *a;
	char err[ERR_MAX];
	struct opts cli;
	size_t i, k = 0;
	int c, lo_i = -1;

	for (i = 0; i < ARRAY_SIZE(defs); i++) {
		if (!(defs[i].flags & IN_CLI))
			continue;
		lo[k++] = (struct option){ defs[i].name, defs[i].arg ?
			required_argument : no_argument, NULL, defs[i].id };
	}
	lo[k] = (struct option){ NULL, 0, NULL, 0 };

	/* Each option checked alone, for an error that names it. */
	opts_init(&cli);
	cli.source = SRC_CLI;
	opterr = 0;
	while (!msg[0] && !*help &&
	       (c = getopt_long(argc, argv, "", lo, &lo_i)) != -1) {
		if (c == '?') {
			snprintf(msg, len, "unknown option or missing argument: %s",
				 argv[optind - 1]);
		} else if (vfold_longopt_check(argv, &lo[lo_i], msg, len)) {
			/* @msg says it */
		} else if (c == OPT_HELP) {
			*help = true;
		} else if (set_opt(&cli, c, optarg, err)) {
			snprintf(msg, len, "--%s%s%s: %s", def_of(c)->name,
				 optarg ? " " : "", optarg ? optarg : "", err);
		} else if (!(a = realloc(args, (*nr_args + 1) * sizeof(*a)))) {
			snprintf(msg, len, "out of memory");
		} else {
			args = a;
			args[(*nr_args)++] = (struct opt_arg){ c, optarg };
		}
	}
	if (!msg[0] && !*help && optind < argc)
		snprintf(msg, len, "unexpected argument: %s", argv[optind]);
	opts_free(&cli);
	return args;
}

void parse_args(struct opts *o, int argc, char **argv)
{
	struct opts_msgs m = { 0 };
	char msg[ERR_MAX + PATH_MAX] = "";
	const char *config = NULL;
	struct opt_arg *args;
	size_t nr_args = 0, i;
	bool help = false;
	int r;

	/* Everything freed before exit(): LeakSanitizer would fail it. */
	args = read_args(argc, argv, &nr_args, &help, msg, sizeof(msg));
	if (help || msg[0]) {
		free(args);
		if (help) {
			usage(stdout);
			exit(0);
		}
		usage_error("%s", msg);
	}
	for (i = 0; i < nr_args; i++)
		if (args[i].id == OPT_CONFIG)
			config = args[i].val;
	r = opts_build(o, config, args, nr_args, NULL, &m);
	free(args);
	if (r) {
		opts_msgs_print(&m, stderr);
		opts_msgs_free(&m);
		fprintf(stderr, "Try 'vfold-hintd --help'.\n");
		exit(2);
	}
	opts_msgs_free(&m);
}

/* "1.5", or "-" for not given. */
static const char *num(char *buf, size_t len, double v)
{
	if (v > 0)
		snprintf(buf, len, "%g", v);
	else
		snprintf(buf, len, "-");
	return buf;
}

static void __attribute__((format(printf, 3, 4)))
change(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used)
		used += snprintf(buf + used, len - used, ", ");
	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void vm_change(char *buf, size_t len, const char *name,
		      const struct vm_conf *old, const struct vm_conf *new)
{
	static const struct vm_conf none;
	char x[32], y[32];

	old = old ?: &none;
	new = new ?: &none;
	if (old->weight != new->weight)
		change(buf, len, "weight %s %s -> %s", name,
		       num(x, sizeof(x), old->weight),
		       num(y, sizeof(y), new->weight));
	if (old->floor != new->floor)
		change(buf, len, "floor %s %s -> %s", name,
		       num(x, sizeof(x), old->floor),
		       num(y, sizeof(y), new->floor));
}

/* "config reloaded: interval-ms 1000 -> 500, weight a - -> 3" */
static void describe(const struct opts *old, const struct opts *new,
		     struct opts_msgs *m)
{
	char buf[1024] = "", x[32], y[32];
	size_t i;

	if (old->interval_ms != new->interval_ms)
		change(buf, sizeof(buf), "interval-ms %u -> %u",
		       old->interval_ms, new->interval_ms);
	if (old->ttl_ms != new->ttl_ms)
		change(buf, sizeof(buf), "ttl-ms %u -> %u", old->ttl_ms,
		       new->ttl_ms);
	if (old->cpus != new->cpus)
		change(buf, sizeof(buf), "cpus %s -> %s",
		       num(x, sizeof(x), old->cpus),
		       num(y, sizeof(y), new->cpus));
	if (old->pp.min_cpus != new->pp.min_cpus)
		change(buf, sizeof(buf), "min-cpus %u -> %u",
		       old->pp.min_cpus, new->pp.min_cpus);
	if (old->pp.headroom_cpus != new->pp.headroom_cpus)
		change(buf, sizeof(buf), "headroom %g -> %g",
		       old->pp.headroom_cpus, new->pp.headroom_cpus);
	if (old->pp.lower_after != new->pp.lower_after)
		change(buf, sizeof(buf), "lower-after %u -> %u",
		       old->pp.lower_after, new->pp.lower_after);
	if (!same_str(old->metrics_file, new->metrics_file))
		change(buf, sizeof(buf), "metrics-file %s -> %s",
		       old->metrics_file ?: "-", new->metrics_file ?: "-");
	for (i = 0; i < new->nr_vmc; i++)
		vm_change(buf, sizeof(buf), new->vmc[i].name,
			  find_vmc(old, new->vmc[i].name), &new->vmc[i]);
	for (i = 0; i < old->nr_vmc; i++)
		if (!find_vmc(new, old->vmc[i].name))
			vm_change(buf, sizeof(buf), old->vmc[i].name,
				  &old->vmc[i], NULL);
	msg_add(m, false, "config reloaded: %s", buf[0] ? buf : "no change");
}

int opts_reload(const struct opts *old, struct opts *new,
		struct opts_msgs *m)
{
	struct opts o;

	if (opts_build(&o, old->config, old->args, old->nr_args, old, m))
		return -1;
	describe(old, &o, m);
	*new = o;
	return 0;
}

double opts_weight(const struct opts *o, const char *name)
{
	const struct vm_conf *c = find_vmc(o, name);

	return c ? c->weight : 0;
}

unsigned int opts_floor(const struct opts *o, const char *name)
{
	const struct vm_conf *c = find_vmc(o, name);

	return c ? c->floor : 0;
}
