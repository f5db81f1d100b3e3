// SPDX-License-Identifier: GPL-2.0
/*
 * The QMP backend: each interval, connect to every QMP socket, read the
 * greeting, enter command mode, ask query-name and query-cpus-fast, and
 * hang up (QEMU serves one monitor client at a time: keeping it would
 * lock out others). The QEMU's pid is the socket peer's (SO_PEERCRED).
 *
 * A --qmp-dir holds DIR/NAME.qmp (QMP) and DIR/NAME.hint (the hint
 * chardev) per VM; see docs/hintd.md.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "output.h"
#include "qmp.h"
#include "sock.h"

#define QMP_TIMEOUT_MS		1000
#define QMP_MAX_BYTES		(16 << 20)	/* per message: 8192 vCPUs fit */

int qmp_classify(struct json_object *msg, struct json_object **ret,
		 char *err, size_t errlen)
{
	struct json_object *v, *desc;

	if (!json_object_is_type(msg, json_type_object))
		goto bad;
	if (json_object_object_get_ex(msg, "return", &v)) {
		*ret = v;
		return QMP_RETURN;
	}
	if (json_object_object_get_ex(msg, "error", &v)) {
		if (!json_object_object_get_ex(v, "desc", &desc))
			desc = v;
		snprintf(err, errlen, "QMP error: %s",
			 json_object_get_string(desc));
		return QMP_ERROR;
	}
	if (json_object_object_get_ex(msg, "event", NULL))
		return QMP_EVENT;
	if (json_object_object_get_ex(msg, "QMP", NULL))
		return QMP_GREETING;
bad:
	snprintf(err, errlen, "not a QMP message: %.60s",
		 json_object_to_json_string(msg));
	return -EINVAL;
}

static int get_int(struct json_object *o, const char *key, int64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) ||
	    !json_object_is_type(f, json_type_int))
		return -EINVAL;
	*v = json_object_get_int64(f);
	return 0;
}

struct qmp_cpu {
	int64_t index;
	pid_t tid;
};

static int cmp_cpu(const void *a, const void *b)
{
	const struct qmp_cpu *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* Threads in cpu-index order (indexes have holes after an unplug). */
int qmp_parse_cpus(struct json_object *ret, pid_t **tids, unsigned int *n,
		   char *err, size_t errlen)
{
	struct qmp_cpu *cpus;
	size_t i, len;
	int e = -ENOMEM;
	pid_t *t;

	len = json_object_is_type(ret, json_type_array) ?
	      json_object_array_length(ret) : 0;
	if (!len) {
		snprintf(err, errlen, "query-cpus-fast: no CPU list");
		return -EINVAL;
	}
	cpus = calloc(len, sizeof(*cpus));
	t = calloc(len, sizeof(*t));
	if (!cpus || !t)
		goto fail;
	e = -EINVAL;
	for (i = 0; i < len; i++) {
		struct json_object *cpu = json_object_array_get_idx(ret, i);
		int64_t tid;

		if (get_int(cpu, "cpu-index", &cpus[i].index) ||
		    get_int(cpu, "thread-id", &tid) ||
		    cpus[i].index < 0 || tid <= 0 || tid > INT32_MAX) {
			snprintf(err, errlen,
				 "query-cpus-fast: bad CPU %zu: %.80s", i,
				 json_object_to_json_string(cpu));
			goto fail;
		}
		cpus[i].tid = (pid_t)tid;
	}
	qsort(cpus, len, sizeof(*cpus), cmp_cpu);
	for (i = 0; i < len; i++) {
		if (i && cpus[i].index == cpus[i - 1].index) {
			snprintf(err, errlen,
				 "query-cpus-fast: cpu-index %" PRId64 " twice",
				 cpus[i].index);
			goto fail;
		}
		t[i] = cpus[i].tid;
	}
	free(cpus);
	*tids = t;
	*n = len;
	return 0;
fail:
	free(cpus);
	free(t);
	return e;
}

void qmp_parse_name(struct json_object *ret, char *name, size_t len)
{
	struct json_object *v;

	name[0] = '\0';
	if (json_object_object_get_ex(ret, "name", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(name, len, "%s", json_object_get_string(v));
}

void qmp_name_from_path(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".qmp"))
		n -= 4;
	snprintf(name, len, "%.*s", (int)n, base);
}

void qmp_hint_path(const char *path, char *hint, size_t len)
{
	size_t n = strlen(path);

	if (n > 4 && !strcmp(path + n - 4, ".qmp"))
		n -= 4;
	snprintf(hint, len, "%.*s.hint", (int)n, path);
}

/* One monitor connection, read as a stream of JSON objects. */
struct qmp_conn {
	int fd;
	int timeout_ms;
	json_tokener *tok;
	char buf[4096];
	size_t off, len, total;
};

/* The next message of any kind, or NULL with @err set. */
static struct json_object *qmp_read(struct qmp_conn *c, int *errp,
				    char *err, size_t errlen)
{
	for (;;) {
		struct json_object *o;
		ssize_t n;
		int r;

		if (c->off < c->len) {
			o = json_tokener_parse_ex(c->tok, c->buf + c->off,
						  c->len - c->off);
			c->off += json_tokener_get_parse_end(c->tok);
			if (o) {
				c->total = 0;
				return o;
			}
			if (json_tokener_get_error(c->tok) !=
			    json_tokener_continue) {
				snprintf(err, errlen, "bad JSON: %s",
					 json_tokener_error_desc(
					 json_tokener_get_error(c->tok)));
				*errp = -EPROTO;
				return NULL;
			}
			c->off = c->len;
		}
		r = vfold_sock_wait_readable(c->fd, c->timeout_ms);
		if (r <= 0) {
			*errp = r ? r : -ETIMEDOUT;
			snprintf(err, errlen, "%s", r ? strerror(-r) :
				 "no answer in time");
			return NULL;
		}
		n = read(c->fd, c->buf, sizeof(c->buf));
		if (n > 0)
			c->total += n;
		if (n <= 0 || c->total > QMP_MAX_BYTES) {
			*errp = n < 0 ? -errno : -EPIPE;
			snprintf(err, errlen, "%s", n < 0 ? strerror(errno) :
				 n ? "message too long" : "closed");
			return NULL;
		}
		c->off = 0;
		c->len = n;
	}
}

/* Sends @cmd; returns its reply (to put) with *@ret in it, or NULL. */
static struct json_object *qmp_execute(struct qmp_conn *c, const char *cmd,
				       struct json_object **ret, int *errp,
				       char *err, size_t errlen)
{
	char line[128];
	int len = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", cmd);

	if (write(c->fd, line, len) != len) {
		*errp = -errno ?: -EIO;
		snprintf(err, errlen, "%s: write: %s", cmd, strerror(errno));
		return NULL;
	}
	for (;;) {
		struct json_object *o = qmp_read(c, errp, err, errlen);
		int kind;

		if (!o)
			return NULL;
		kind = qmp_classify(o, ret, err, errlen);
		if (kind == QMP_RETURN)
			return o;
		json_object_put(o);
		if (kind != QMP_EVENT) {
			*errp = kind == QMP_ERROR ? -EIO : -EPROTO;
			return NULL;
		}
	}
}

static int qmp_handshake(struct qmp_conn *c, char *err, size_t errlen)
{
	struct json_object *o, *ret;
	int e = 0;

	o = qmp_read(c, &e, err, errlen);
	if (!o)
		return e;
	if (qmp_classify(o, &ret, err, errlen) != QMP_GREETING) {
		json_object_put(o);
		snprintf(err, errlen, "no QMP greeting");
		return -EPROTO;
	}
	json_object_put(o);
	o = qmp_execute(c, "qmp_capabilities", &ret, &e, err, errlen);
	json_object_put(o);
	return o ? 0 : e;
}

static int qmp_ask(struct qmp_conn *c, struct vm_info *vm, char *err,
		   size_t errlen)
{
	struct json_object *o, *ret;
	char name[VM_NAME_MAX];
	int e = 0;

	o = qmp_execute(c, "query-name", &ret, &e, err, errlen);
	if (!o)
		return e;
	qmp_parse_name(ret, name, sizeof(name));
	if (name[0])
		vm_name_set(vm, name);
	json_object_put(o);

	o = qmp_execute(c, "query-cpus-fast", &ret, &e, err, errlen);
	if (!o)
		return e;
	e = qmp_parse_cpus(ret, &vm->tids, &vm->nr_vcpus, err, errlen);
	json_object_put(o);
	return e;
}

int qmp_query_vm(const char *path, int timeout_ms, struct vm_info *vm,
		 char *err, size_t errlen)
{
	struct qmp_conn c = { .timeout_ms = timeout_ms };
	char name[VM_NAME_MAX];
	int e;

	c.fd = vfold_sock_connect(path);
	if (c.fd < 0) {
		snprintf(err, errlen, "connect: %s", strerror(-c.fd));
		return c.fd;
	}
	c.tok = json_tokener_new();
	e = c.tok ? 0 : -ENOMEM;
	if (!e) {
		vm->pid = vfold_sock_peer_pid(c.fd);
		vm->instance = vm->pid;
		e = vm->pid < 0 ? vm->pid : 0;
		if (e)
			snprintf(err, errlen, "SO_PEERCRED: %s", strerror(-e));
	}
	qmp_name_from_path(path, name, sizeof(name));
	vm_name_set(vm, name);
	snprintf(vm->source, sizeof(vm->source), "%s", path);
	qmp_hint_path(path, vm->hint_path, sizeof(vm->hint_path));
	if (!e)
		e = qmp_handshake(&c, err, errlen);
	if (!e)
		e = qmp_ask(&c, vm, err, errlen);
	if (c.tok)
		json_tokener_free(c.tok);
	close(c.fd);
	return e;
}

/* The backend: the sockets it was given, with their last error. */
struct qmp_source {
	char path[PATH_MAX];
	char err[160];		/* logged once, until it changes */
	unsigned int gen;
};

struct qmp_backend {
	char **paths;
	size_t nr_paths;
	char *dir;
	int dir_err;		/* logged once, until it changes */
	struct qmp_source *src;
	size_t nr_src;
	unsigned int gen;
};

static struct qmp_source *qmp_source(struct qmp_backend *q, const char *path)
{
	struct qmp_source *s;
	size_t i;

	for (i = 0; i < q->nr_src; i++)
		if (!strcmp(q->src[i].path, path))
			return &q->src[i];
	s = realloc(q->src, (q->nr_src + 1) * sizeof(*s));
	if (!s)
		return NULL;
	q->src = s;
	s = &q->src[q->nr_src++];
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	return s;
}

/* Forgets the sockets not seen in this scan. */
static void qmp_sources_prune(struct qmp_backend *q)
{
	size_t i = 0;

	while (i < q->nr_src) {
		if (q->src[i].gen == q->gen)
			i++;
		else
			q->src[i] = q->src[--q->nr_src];
	}
}

static void qmp_scan_one(struct qmp_backend *q, const char *path,
			 struct vm_list *out)
{
	struct qmp_source *s = qmp_source(q, path);
	struct vm_info *vm = vm_list_add(out);
	char err[160] = "";

	if (!s || !vm) {
		hintd_log("qmp: %s: out of memory", path);
		return;
	}
	s->gen = q->gen;
	if (qmp_query_vm(path, QMP_TIMEOUT_MS, vm, err, sizeof(err)) < 0) {
		vm_list_drop_last(out);
		if (strcmp(err, s->err))
			hintd_log("qmp: %s: %s; VM skipped", path, err);
		snprintf(s->err, sizeof(s->err), "%s", err);
		return;
	}
	s->err[0] = '\0';
	if (vm_list_find(out, vm->name) != vm) {
		hintd_log("qmp: %s: a VM named %s is already known; skipped",
			  path, vm->name);
		vm_list_drop_last(out);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/\*.qmp sockets, sorted so that duplicate names resolve alike. */
static int qmp_scan_dir(struct qmp_backend *q, struct vm_list *out)
{
	DIR *d = opendir(q->dir);
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i;
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **nn;

		if (len <= 4 || strcmp(e->d_name + len - 4, ".qmp"))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		names[n] = strdup(e->d_name);
		if (!names[n])
			break;
		n++;
	}
	closedir(d);
	/* qsort() of NULL is undefined, even for none. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", q->dir, names[i]);
		if (!stat(path, &st) && S_ISSOCK(st.st_mode))
			qmp_scan_one(q, path, out);
		free(names[i]);
	}
	free(names);
	return 0;
}

static int qmp_scan(void *priv, struct vm_list *out)
{
	struct qmp_backend *q = priv;
	int err = 0;
	size_t i;

	q->gen++;
	for (i = 0; i < q->nr_paths; i++)
		qmp_scan_one(q, q->paths[i], out);
	if (q->dir)
		err = qmp_scan_dir(q, out);
	if (err && err != q->dir_err)
		hintd_log("qmp: %s: %s", q->dir, strerror(-err));
	q->dir_err = err;
	qmp_sources_prune(q);
	return err;
}

static void qmp_destroy(void *priv)
{
	struct qmp_backend *q = priv;
	size_t i;

	for (i = 0; i < q->nr_paths; i++)
		free(q->paths[i]);
	free(q->paths);
	free(q->dir);
	free(q->src);
	free(q);
}

static const struct backend_ops qmp_ops = {
	.name = "qmp",
	.scan = qmp_scan,
	.destroy = qmp_destroy,
};

struct backend *qmp_backend_new(const char *const *paths, size_t n,
				const char *dir)
{
	struct qmp_backend *q = calloc(1, sizeof(*q));
	struct backend *b = calloc(1, sizeof(*b));
	bool ok = q && b && (q->paths = calloc(n + 1, sizeof(char *)));
	size_t i;

	for (i = 0; ok && i < n; i++, q->nr_paths++)
		ok = (q->paths[i] = strdup(paths[i]));
	if (ok && dir)
		ok = (q->dir = strdup(dir));
	if (!ok) {
		if (q)
			qmp_destroy(q);
		free(b);
		return NULL;
	}
	b->ops = &qmp_ops;
	b->priv = q;
	return b;
}
