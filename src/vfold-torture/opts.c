// SPDX-License-Identifier: GPL-2.0
/* vfold-torture's command line; see opts.h. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "opts.h"

const char *const tt_stressor_names[TT_S_NR] = {
	"mask", "governor", "affinity", "hotplug", "cpuset", "churn", "rt",
	"dl", "migdis", "stress-ng",
};

const char *const tt_inv_names[TT_I_NR] = {
	"affinity_respected", "affinity_unchanged", "census_exact",
	"drain_bound", "mask_valid", "no_splats", "stressors_ran",
};

void tt_usage(FILE *f)
{
	fprintf(f,
"Usage: vfold-torture [-d SECONDS] [-s SEED] [--mask-hz HZ] [--drain-ms MS]\n"
"                     [--stall-ms MS] [--workers N] [--skip NAMES]\n"
"                     [--stress-ng PATH] [--bust NAME] [-v]\n"
"Stress the paravirt CPU mask of a vfold guest kernel with everything at\n"
"once, and check its invariants all the time. Needs root and the series.\n"
"\n"
"  -d, --duration SECONDS  how long (1..86400, default 60)\n"
"  -s, --seed SEED         the seed of every random choice (default: from\n"
"                          the clock); printed at start, to replay a run\n"
"      --mask-hz HZ        mask and governor writes a second (1..10000,\n"
"                          default 100)\n"
"      --drain-ms MS       how long a movable task may stay on a marked CPU\n"
"                          that it could leave (1..60000, default 300)\n"
"      --stall-ms MS       how long a workload thread may make no progress\n"
"                          (100..600000, default 30000)\n"
"      --workers N         CFS spinning threads (1..64, default: one per\n"
"                          two online CPUs)\n"
"  -x, --skip NAMES        leave out stressors, comma-separated: mask,\n"
"                          governor, affinity, hotplug, cpuset, churn, rt,\n"
"                          dl, migdis, stress-ng\n"
"      --stress-ng PATH    the stress-ng to run (default: stress-ng)\n"
"      --bust NAME         break an invariant's record on purpose, to show\n"
"                          that its check fires: affinity_respected,\n"
"                          affinity_unchanged, census_exact, drain_bound,\n"
"                          mask_valid, no_splats\n"
"  -v, --verbose           print every failure, not only the first few\n"
"  -h, --help              this text\n"
"\n"
"Prints TAP: one result per invariant, the operations of each kind and the\n"
"checks made as diagnostics. Exit status: 0 every invariant held; 1 one\n"
"failed; 2 bad arguments; 3 the kernel or system lacks what it needs.\n");
}

enum {
	OPT_MASK_HZ = 256,
	OPT_DRAIN_MS,
	OPT_STALL_MS,
	OPT_WORKERS,
	OPT_STRESS_NG,
	OPT_BUST,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "seed", required_argument, NULL, 's' },
	{ "mask-hz", required_argument, NULL, OPT_MASK_HZ },
	{ "drain-ms", required_argument, NULL, OPT_DRAIN_MS },
	{ "stall-ms", required_argument, NULL, OPT_STALL_MS },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "skip", required_argument, NULL, 'x' },
	{ "stress-ng", required_argument, NULL, OPT_STRESS_NG },
	{ "bust", required_argument, NULL, OPT_BUST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_seed(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

static int parse_skip(const char *list, bool *skip, char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL;
	unsigned int i;

	if (strlen(list) >= sizeof(buf))
		goto bad;
	memcpy(buf, list, strlen(list) + 1);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < TT_S_NR; i++)
			if (!strcmp(tok, tt_stressor_names[i]))
				break;
		if (i == TT_S_NR)
			goto bad;
		skip[i] = true;
	}
	return 0;
bad:
	snprintf(err, errlen, "--skip: not a list of stressors: \"%s\"", list);
	return -EINVAL;
}

static int num(const char *opt, const char *s, unsigned int min,
	       unsigned int max, unsigned int *v, char *err, size_t errlen)
{
	if (!vfold_parse_uint(s, min, max, v))
		return 0;
	snprintf(err, errlen, "%s wants %u..%u, not \"%s\"", opt, min, max, s);
	return -EINVAL;
}

int tt_parse_args(int argc, char **argv, struct tt_opts *o, char *err,
		  size_t errlen)
{
	unsigned int i;
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->seconds = 60;
	o->mask_hz = 100;
	o->drain_ms = 300;
	o->stall_ms = 30000;
	o->stress_ng = "stress-ng";
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":d:s:x:vh", long_opts,
					NULL)) != -1) {
		switch (c) {
		case 'd':
			ret = num("--duration", optarg, 1, 86400, &o->seconds,
				  err, errlen);
			break;
		case 's':
			ret = parse_seed(optarg, &o->seed);
			if (ret)
				snprintf(err, errlen,
					 "--seed wants a decimal number, not \"%s\"",
					 optarg);
			o->seed_given = true;
			break;
		case OPT_MASK_HZ:
			ret = num("--mask-hz", optarg, 1, 10000, &o->mask_hz,
				  err, errlen);
			break;
		case OPT_DRAIN_MS:
			ret = num("--drain-ms", optarg, 1, 60000, &o->drain_ms,
				  err, errlen);
			break;
		case OPT_STALL_MS:
			ret = num("--stall-ms", optarg, 100, 600000,
				  &o->stall_ms, err, errlen);
			break;
		case OPT_WORKERS:
			ret = num("--workers", optarg, 1, 64, &o->workers, err,
				  errlen);
			break;
		case 'x':
			ret = parse_skip(optarg, o->skip, err, errlen);
			break;
		case OPT_STRESS_NG:
			o->stress_ng = optarg;
			break;
		case OPT_BUST:
			for (i = 0; i < TT_I_STRESSORS; i++)
				if (!strcmp(optarg, tt_inv_names[i]))
					break;
			if (i == TT_I_STRESSORS) {
				snprintf(err, errlen,
					 "--bust: no invariant \"%s\"", optarg);
				ret = -EINVAL;
			} else {
				o->bust[i] = true;
			}
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			snprintf(err, errlen, "%s needs a value",
				 argv[optind - 1]);
			ret = -EINVAL;
			break;
		default:
			snprintf(err, errlen, "unknown option \"%s\"",
				 argv[optind - 1]);
			ret = -EINVAL;
			break;
		}
	}
	if (!ret && optind < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
		ret = -EINVAL;
	}
	return ret;
}
