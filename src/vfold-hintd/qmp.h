/* SPDX-License-Identifier: GPL-2.0 */
/* The QMP backend's pieces, exposed for unit tests. */
#ifndef VFOLD_HINTD_QMP_H
#define VFOLD_HINTD_QMP_H

#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "backend.h"

enum qmp_kind {
	QMP_GREETING,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
};

/*
 * What a QMP message is; for QMP_RETURN *@ret is its "return" (owned by
 * @msg), for QMP_ERROR @err its description. -EINVAL if none of these.
 */
int qmp_classify(struct json_object *msg, struct json_object **ret,
		 char *err, size_t errlen);

/* query-cpus-fast's return: @tids[cpu-index] (malloc'ed), or -EINVAL. */
int qmp_parse_cpus(struct json_object *ret, pid_t **tids, unsigned int *n,
		   char *err, size_t errlen);

/* query-name's return: its "name", "" if the VM has none. */
void qmp_parse_name(struct json_object *ret, char *name, size_t len);

/* DIR/NAME.qmp -> NAME and DIR/NAME.hint. */
void qmp_name_from_path(const char *path, char *name, size_t len);
void qmp_hint_path(const char *path, char *hint, size_t len);

/*
 * Asks the QEMU at @path for its name, pid and vCPU threads, each read
 * waiting at most @timeout_ms. Returns 0, or -errno with @err set.
 */
int qmp_query_vm(const char *path, int timeout_ms, struct vm_info *vm,
		 char *err, size_t errlen);

#endif
