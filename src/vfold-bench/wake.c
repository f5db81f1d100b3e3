// SPDX-License-Identifier: GPL-2.0
/*
 * Wakeup latency; see wake.h.
 *
 * Each message thread posts a request to each of its workers, then goes
 * round them: it sleeps until the next one completes and posts it
 * another. A worker sleeps until a request comes; the time from the post
 * to the moment it runs is the wakeup latency. Both sleep on a futex, so
 * every request is a real wakeup through the scheduler.
 *
 * A request's work is a fixed number of loops, calibrated once at start
 * to take WORK_US on an undisturbed CPU, not "spin until WORK_US have
 * passed": a request whose vCPU the host preempts then takes longer, and
 * rps (and the latency of the requests queued behind it) shows it, where
 * a loop bound by time would count the preempted time as work done.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wake.h"

/* The futex word of a worker: who acts next. */
enum {
	W_DONE,		/* idle; the message thread posts or stops it */
	W_POSTED,	/* a request for the worker */
	W_STOP,		/* the worker exits */
};

/* Apart, so that threads on different CPUs do not share cache lines. */
#define CACHELINE	64
/* Up to 1280 threads in a guest of little memory: small stacks. */
#define STACK_SIZE	(256 * 1024)

struct wake_ctx {
	uint32_t go;		/* futex word: 1 once every thread exists */
	uint32_t stop;		/* the run's time is up */
	uint64_t work_loops;
};

struct worker {
	uint32_t state;		/* futex word: W_* */
	uint64_t post_ns;	/* of the request, set before W_POSTED */
	uint64_t requests;
	struct hist *lat;
	const struct wake_ctx *ctx;
	pthread_t tid;
	bool started;
} __attribute__((aligned(CACHELINE)));

struct msg {
	struct worker *w;	/* its workers, w[0 .. nr - 1] */
	unsigned int nr;
	uint64_t end_ns;	/* its last request completed */
	struct wake_ctx *ctx;
	pthread_t tid;
	bool started;
} __attribute__((aligned(CACHELINE)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void futex_wait(uint32_t *word, uint32_t val)
{
	/* EINTR and EAGAIN (the word changed) both mean: look again. */
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word, int nr)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, nr, NULL, NULL, 0);
}

static uint32_t load(const uint32_t *word)
{
	return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static void set(uint32_t *word, uint32_t val, int wake)
{
	__atomic_store_n(word, val, __ATOMIC_RELEASE);
	futex_wake(word, wake);
}

/* xorshift64: dependent arithmetic the compiler cannot fold. */
static uint64_t spin(uint64_t loops, uint64_t x)
{
	x |= 1;
	while (loops--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/* The work's result is used, as far as the compiler knows. */
static void keep(uint64_t x)
{
	__asm__ volatile("" : : "r"(x));
}

static uint64_t time_spin(uint64_t loops)
{
	uint64_t t = now_ns();

	keep(spin(loops, t));
	t = now_ns() - t;
	return t ? t : 1;
}

/*
 * The loops of @work_us: from runs of 1 ms or more (well above the
 * clock's resolution), the fastest of several, as the others lost time
 * to something else.
 */
static uint64_t calibrate(unsigned int work_us)
{
	uint64_t loops = 4096, best = UINT64_MAX, t;
	int i;

	while (time_spin(loops) < 1000000 && loops < (1ull << 40))
		loops *= 2;
	for (i = 0; i < 5; i++) {
		t = time_spin(loops);
		if (t < best)
			best = t;
	}
	t = (uint64_t)((double)loops * work_us * 1000 / (double)best + 0.5);
	return t ? t : 1;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t t;
	uint32_t s;

	for (;;) {
		while ((s = load(&w->state)) == W_DONE)
			futex_wait(&w->state, W_DONE);
		if (s == W_STOP)
			break;
		t = now_ns();
		hist_add(w->lat, t > w->post_ns ? t - w->post_ns : 0);
		keep(spin(w->ctx->work_loops, t));
		w->requests++;
		set(&w->state, W_DONE, 1);
	}
	return NULL;
}

static void post(struct worker *w)
{
	w->post_ns = now_ns();
	set(&w->state, W_POSTED, 1);
}

static void wait_done(struct worker *w)
{
	uint32_t s;

	while ((s = load(&w->state)) != W_DONE)
		futex_wait(&w->state, s);
}

static bool stopping(const struct wake_ctx *ctx)
{
	return __atomic_load_n(&ctx->stop, __ATOMIC_RELAXED);
}

/*
 * Past the deadline no request is posted, those out complete (a request
 * is bounded work), and then every worker is told to exit: none is left
 * asleep.
 */
static void *msg_fn(void *arg)
{
	struct msg *m = arg;
	unsigned int i;

	while (!load(&m->ctx->go))
		futex_wait(&m->ctx->go, 0);
	if (!stopping(m->ctx)) {
		for (i = 0; i < m->nr; i++)
			post(&m->w[i]);
		for (i = 0; ; i = (i + 1) % m->nr) {
			wait_done(&m->w[i]);
			if (stopping(m->ctx))
				break;
			post(&m->w[i]);
		}
	}
	for (i = 0; i < m->nr; i++)
		wait_done(&m->w[i]);
	m->end_ns = now_ns();
	for (i = 0; i < m->nr; i++)
		set(&m->w[i].state, W_STOP, 1);
	return NULL;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000),
			       .tv_nsec = (long)(ns % 1000000000) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void *alloc_aligned(size_t n, size_t size)
{
	void *p;

	/* Both sizes are multiples of CACHELINE, as aligned_alloc wants. */
	p = aligned_alloc(CACHELINE, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/*
 * Ends the threads that were started: message threads stop their own
 * workers; those of a message thread that failed to start are stopped
 * here (nothing else writes their futex word).
 */
static void stop_all(struct wake_ctx *ctx, struct msg *msgs, unsigned int nm,
		     struct worker *workers, unsigned int nw)
{
	unsigned int i, j;

	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELAXED);
	set(&ctx->go, 1, INT_MAX);
	for (i = 0; i < nm; i++) {
		if (msgs[i].started) {
			pthread_join(msgs[i].tid, NULL);
			continue;
		}
		for (j = 0; j < msgs[i].nr; j++)
			set(&msgs[i].w[j].state, W_STOP, 1);
	}
	for (i = 0; i < nw; i++)
		if (workers[i].started)
			pthread_join(workers[i].tid, NULL);
}

int wake_run(const struct wake_opts *o, struct wake_result *r, char *err,
	     size_t errlen)
{
	unsigned int nm = o->msg_threads, nw = nm * o->workers, i;
	struct wake_ctx ctx = { 0 };
	struct worker *workers;
	struct hist *hists;
	pthread_attr_t attr;
	struct msg *msgs;
	uint64_t start;
	int ret = 0;

	r->msg_threads = nm;
	r->workers = o->workers;
	r->requests = 0;
	r->elapsed_ns = 0;
	hist_init(&r->lat);

	workers = alloc_aligned(nw, sizeof(*workers));
	msgs = alloc_aligned(nm, sizeof(*msgs));
	hists = malloc(nw * sizeof(*hists));
	if (!workers || !msgs || !hists) {
		snprintf(err, errlen, "out of memory for %u threads", nm + nw);
		ret = -ENOMEM;
		goto out_free;
	}
	ctx.work_loops = calibrate(o->work_us);
	r->work_loops = ctx.work_loops;

	ret = pthread_attr_init(&attr);
	if (!ret)
		ret = pthread_attr_setstacksize(&attr, STACK_SIZE);
	if (ret) {
		snprintf(err, errlen, "pthread_attr: %s", strerror(ret));
		ret = -ret;
		goto out_free;
	}
	for (i = 0; i < nm; i++) {
		msgs[i].w = &workers[i * o->workers];
		msgs[i].nr = o->workers;
		msgs[i].ctx = &ctx;
	}
	for (i = 0; i < nw && !ret; i++) {
		hist_init(&hists[i]);
		workers[i].lat = &hists[i];
		workers[i].ctx = &ctx;
		ret = pthread_create(&workers[i].tid, &attr, worker_fn,
				     &workers[i]);
		workers[i].started = !ret;
	}
	for (i = 0; i < nm && !ret; i++) {
		ret = pthread_create(&msgs[i].tid, &attr, msg_fn, &msgs[i]);
		msgs[i].started = !ret;
	}
	pthread_attr_destroy(&attr);
	if (ret) {
		snprintf(err, errlen, "pthread_create: %s", strerror(ret));
		stop_all(&ctx, msgs, nm, workers, nw);
		ret = -ret;
		goto out_free;
	}

	start = now_ns();
	set(&ctx.go, 1, INT_MAX);
	sleep_until(start + (uint64_t)o->run_ms * 1000000);
	stop_all(&ctx, msgs, nm, workers, nw);

	for (i = 0; i < nw; i++) {
		hist_merge(&r->lat, &hists[i]);
		r->requests += workers[i].requests;
	}
	for (i = 0; i < nm; i++)
		if (msgs[i].end_ns - start > r->elapsed_ns)
			r->elapsed_ns = msgs[i].end_ns - start;
out_free:
	free(hists);
	free(msgs);
	free(workers);
	return ret;
}

static uint64_t ns_to_us(uint64_t ns)
{
	return (ns + 500) / 1000;
}

int wake_format(char *buf, size_t len, const struct wake_result *r)
{
	double s = (double)r->elapsed_ns / 1e9;

	return snprintf(buf, len, "wake: requests=%" PRIu64 " rps=%.1f "
			"p50_us=%" PRIu64 " p90_us=%" PRIu64 " p99_us=%" PRIu64
			" p999_us=%" PRIu64 " max_us=%" PRIu64
			" seconds=%.2f threads=%u*%u", r->requests,
			s > 0 ? (double)r->requests / s : 0.0,
			ns_to_us(hist_percentile(&r->lat, 50)),
			ns_to_us(hist_percentile(&r->lat, 90)),
			ns_to_us(hist_percentile(&r->lat, 99)),
			ns_to_us(hist_percentile(&r->lat, 99.9)),
			ns_to_us(r->lat.max), s, r->msg_threads, r->workers);
}
