// SPDX-License-Identifier: GPL-2.0
/* vfold-torture's report; see report.h. */
#include <string.h>

#include "report.h"

const char *const tt_op_names[TT_OP_NR] = {
	"mask-random", "mask-empty", "mask-full", "mask-single",
	"mask-all-but-one", "gov-mode", "gov-knob", "gov-hint", "affinity",
	"hotplug-off", "hotplug-on", "partition-new", "partition-del", "fork",
	"exec", "thread", "rt-run", "dl-run", "migdis", "stress-ng",
};

enum tt_stressor tt_op_stressor(enum tt_op op)
{
	switch (op) {
	case TT_OP_MASK_RANDOM:
	case TT_OP_MASK_EMPTY:
	case TT_OP_MASK_FULL:
	case TT_OP_MASK_SINGLE:
	case TT_OP_MASK_ALL_BUT_ONE:
		return TT_S_MASK;
	case TT_OP_GOV_MODE:
	case TT_OP_GOV_KNOB:
	case TT_OP_GOV_HINT:
		return TT_S_GOVERNOR;
	case TT_OP_AFFINITY:
		return TT_S_AFFINITY;
	case TT_OP_HOTPLUG_OFF:
	case TT_OP_HOTPLUG_ON:
		return TT_S_HOTPLUG;
	case TT_OP_PARTITION_NEW:
	case TT_OP_PARTITION_DEL:
		return TT_S_CPUSET;
	case TT_OP_FORK:
	case TT_OP_EXEC:
	case TT_OP_THREAD:
		return TT_S_CHURN;
	case TT_OP_RT_RUN:
		return TT_S_RT;
	case TT_OP_DL_RUN:
		return TT_S_DL;
	case TT_OP_MIGDIS:
		return TT_S_MIGDIS;
	default:
		return TT_S_STRESSNG;
	}
}

static unsigned int stressors_ran(struct tt *t, FILE *f)
{
	unsigned long done[TT_S_NR] = { 0 };
	unsigned int op, s, bad = 0;

	for (op = 0; op < TT_OP_NR; op++) {
		const struct tt_opcount *c = &t->ops[op];

		done[tt_op_stressor(op)] += atomic_load(&c->ok) +
					    atomic_load(&c->expected);
		if (atomic_load(&c->unexpected)) {
			fprintf(f, "# FAIL %s: %s: %lu unexpected errors, the last %s\n",
				tt_inv_names[TT_I_STRESSORS], tt_op_names[op], atomic_load(&c->unexpected),
				strerror(atomic_load(&c->last_errno)));
			bad++;
		}
	}
	for (s = 0; s < TT_S_NR; s++) {
		if (t->o.skip[s] || done[s])
			continue;
		fprintf(f, "# FAIL %s: %s did nothing\n",
			tt_inv_names[TT_I_STRESSORS], tt_stressor_names[s]);
		bad++;
	}
	return bad;
}

unsigned int tt_report(struct tt *t, double seconds, FILE *f)
{
	unsigned int op, i, failed = 0;
	unsigned long fails;

	fprintf(f, "# ops: kind done/s ok expected-errors refused unexpected [ms/op]\n");
	for (op = 0; op < TT_OP_NR; op++) {
		const struct tt_opcount *c = &t->ops[op];
		unsigned long ok = atomic_load(&c->ok);
		unsigned long exp = atomic_load(&c->expected);
		unsigned long unexp = atomic_load(&c->unexpected);

		unsigned long timed = atomic_load(&c->timed);

		fprintf(f, "# ops: %s %.1f/s %lu %lu %lu %lu", tt_op_names[op],
			seconds > 0 ? (double)(ok + exp + unexp) / seconds : 0,
			ok, exp, atomic_load(&c->refused), unexp);
		if (timed)
			fprintf(f, " %.2f", (double)atomic_load(&c->ns) /
				timed / 1e6);
		fputc('\n', f);
	}
	fprintf(f, "# stays on a marked CPU seen (the drain, sampled): n %llu"
		" p50 <=%.1f ms p99 <=%.1f ms max %.1f ms (bound %u ms)\n",
		(unsigned long long)t->stays.n,
		(double)tt_hist_quantile(&t->stays, 500) / 1000,
		(double)tt_hist_quantile(&t->stays, 990) / 1000,
		(double)t->stays.max_us / 1000, t->o.drain_ms);
	fprintf(f, "# migrate_disable paths: tracefs ring buffer resize %s, seccomp filters %s\n",
		t->have_tracefs ? "yes" : "no", t->have_seccomp ? "yes" : "no");
	for (i = 0; i < TT_I_NR; i++) {
		const struct tt_invcount *c = &t->inv[i];

		fails = atomic_load(&c->failures);
		if (i == TT_I_STRESSORS)
			fails += stressors_ran(t, f);
		/* A check that never ran proves nothing. */
		if (i != TT_I_STRESSORS && !atomic_load(&c->checks)) {
			fprintf(f, "# FAIL %s: no check was made\n",
				tt_inv_names[i]);
			fails++;
		}
		fprintf(f, "# %s: checks %lu, discarded %lu, failures %lu\n",
			tt_inv_names[i], atomic_load(&c->checks),
			atomic_load(&c->skipped), fails);
		fprintf(f, "%s %u - %s\n", fails ? "not ok" : "ok", i + 1,
			tt_inv_names[i]);
		failed += fails != 0;
	}
	return failed;
}
