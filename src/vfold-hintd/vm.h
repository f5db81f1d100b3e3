/* SPDX-License-Identifier: GPL-2.0 */
/* Everything vfold-hintd keeps about one VM between intervals. */
#ifndef VFOLD_HINTD_VM_H
#define VFOLD_HINTD_VM_H

#include <limits.h>

#include "backend.h"
#include "hint.h"
#include "measure.h"
#include "policy.h"

enum vm_cgroup {
	VM_CGROUP_NONE,		/* not tried (--no-cgroup, --dry-run) */
	VM_CGROUP_PLACED,	/* in ours */
	VM_CGROUP_FOREIGN,	/* in someone else's, left as is */
	VM_CGROUP_FAILED,
};

struct vm {
	struct vm_info info;	/* from the last scan */
	struct measure meas;
	struct usage use;	/* over the last interval */
	struct policy_vm pol;	/* the decision's inputs, state, outputs */
	struct hint hint;
	bool agent_alive;	/* targets go out: its reports are fresh */
	enum vm_cgroup cgroup;
	char cgroup_path[PATH_MAX];
	bool seen;		/* in the current scan */
};

#endif
