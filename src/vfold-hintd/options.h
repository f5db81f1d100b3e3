/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfold-hintd's settings: the command line and the config file (--config,
 * INI), both through one parser, so that a value is checked the same way
 * wherever it comes from. The command line overrides the file; SIGHUP
 * builds them again from the file and the same command line.
 */
#ifndef VFOLD_HINTD_OPTIONS_H
#define VFOLD_HINTD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backend.h"
#include "policy.h"

/* --weight NAME=W, --floor NAME=N, or a [vm NAME] section. */
struct vm_conf {
	char name[VM_NAME_MAX];	/* cleaned as VM names are */
	double weight;		/* > 0, or 0: not given */
	unsigned int floor;	/* 0: none */
	bool warned;		/* named no VM, and said so */
};

/* One option of the command line, as given (@val points into argv). */
struct opt_arg {
	int id;
	const char *val;
};

struct opts {
	/* Where the VMs are: read at start only (a backend's). */
	const char **qmp;
	size_t nr_qmp;
	const char *qmp_dir;
	const char *libvirt_uri;
	bool no_cgroup;
	const char *cgroup_root;

	/* What SIGHUP may change. */
	unsigned int interval_ms;
	unsigned int ttl_ms;	/* sent with each target; 0 until parsed */
	double cpus;		/* 0: from the vCPU threads' affinity */
	const char *metrics_file;	/* or NULL */
	struct vm_conf *vmc;
	size_t nr_vmc;
	struct policy_params pp;

	/* The command line's alone. */
	bool once, json, dry_run;
	const char *config;	/* --config FILE, or NULL */

	/* How these were built, for a reload. */
	struct opt_arg *args;
	size_t nr_args;
	int source;		/* private: who is setting values now */
	int qmp_source, qmp_dir_source, libvirt_source;
};

/*
 * Parses the command line and the config file it names; on an error
 * prints it and exits 2 (--help: the usage, exit 0).
 */
void parse_args(struct opts *o, int argc, char **argv);

/*
 * Lines for the log, in one string: each ends with '\n'. @errors counts
 * those that made a build fail.
 */
struct opts_msgs {
	char *text;
	size_t len;
	unsigned int errors;
};

/* Each line on @f, "vfold-hintd: " first, as hintd_log() prints. */
void opts_msgs_print(const struct opts_msgs *m, FILE *f);
void opts_msgs_free(struct opts_msgs *m);

/*
 * SIGHUP: @new from @old's config file and command line again. The
 * backend's options (qmp, qmp-dir, libvirt, cgroup, cgroup-root) are
 * kept from @old, with a line in @m for each the file changed. Returns 0
 * and in @m "config reloaded: WHAT CHANGED", or -1 with the errors in @m
 * and @new untouched: @old stays in force.
 */
int opts_reload(const struct opts *old, struct opts *new,
		struct opts_msgs *m);

void opts_free(struct opts *o);

/* A VM's --weight (0 if not named) and --floor (0 if none). */
double opts_weight(const struct opts *o, const char *name);
unsigned int opts_floor(const struct opts *o, const char *name);

#endif
