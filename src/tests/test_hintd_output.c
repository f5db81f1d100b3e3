/* objects: vfold-hintd/output.o */
// SPDX-License-Identifier: GPL-2.0
/* vfold-hintd's --json line: each VM with its guest's last report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "output.h"
#include "vm.h"

/* What output_interval() prints for @vms, parsed. */
static struct json_object *json_line(struct vm *const *vms, unsigned int n)
{
	char buf[65536];
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t len;

	assert_non_null(f);
	fflush(stdout);
	assert_true(dup2(fileno(f), STDOUT_FILENO) >= 0);
	output_interval(2, vms, n, true);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	return json_tokener_parse(buf);
}

static struct json_object *field(struct json_object *vm, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(vm, key, &v))
		fail_msg("no \"%s\" in the VM's JSON", key);
	return v;
}

static void test_report_fields(void **state)
{
	static struct vm a, b;
	struct vm *vms[] = { &a, &b };
	struct vfold_report *r = &a.hint.report;
	struct json_object *o, *arr, *ja, *jb;
	const char *const keys[] = {
		"guest_kept_cpus", "guest_mask", "guest_mode", "guest_ack",
		"guest_ack_error", "guest_psi_some_permille",
		"guest_report_age",
	};
	size_t i;

	(void)state;
	snprintf(a.info.name, sizeof(a.info.name), "a");
	snprintf(b.info.name, sizeof(b.info.name), "b");
	a.hint.fd = b.hint.fd = -1;
	a.hint.has_report = true;
	*r = (struct vfold_report){
		.nr_cpus = 4, .kept_cpus = 2, .demand_milli = 2500,
		.mask = "2-3", .mode = "hint", .has_psi = true,
		.psi_some_permille = 420, .has_ack = true, .ack = 41,
		.ack_error = "cpus 6 not in 1..4 online CPUs",
	};
	a.pol.guest_age = 2;
	b.pol.guest_age = 7;	/* no report: not printed */
	a.use.has_steal = true;
	a.use.nr_steal = 3;
	a.use.steal[0] = 420;
	a.use.steal[2] = 1000;

	o = json_line(vms, 2);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "vms", &arr));
	ja = json_object_array_get_idx(arr, 0);
	jb = json_object_array_get_idx(arr, 1);
	assert_int_equal(json_object_get_int(field(ja, "guest_kept_cpus")), 2);
	assert_string_equal(json_object_get_string(field(ja, "guest_mask")),
			    "2-3");
	assert_string_equal(json_object_get_string(field(ja, "guest_mode")),
			    "hint");
	assert_int_equal(json_object_get_int(field(ja, "guest_ack")), 41);
	assert_string_equal(json_object_get_string(field(ja,
			    "guest_ack_error")),
			    "cpus 6 not in 1..4 online CPUs");
	assert_int_equal(json_object_get_int(field(ja,
			 "guest_psi_some_permille")), 420);
	assert_int_equal(json_object_get_int(field(ja, "guest_report_age")),
			 2);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_null(field(jb, keys[i]));
	/* The steal sent, per vCPU; null for a VM with too many vCPUs. */
	assert_string_equal(json_object_to_json_string(field(ja, "steal")),
			    "[ 420, 0, 1000 ]");
	assert_null(field(jb, "steal"));
	json_object_put(o);

	/* A report without ack or psi: those are null, an empty mask "". */
	r->has_ack = false;
	r->ack_error[0] = '\0';
	r->has_psi = false;
	r->mask[0] = '\0';
	o = json_line(vms, 1);
	assert_true(json_object_object_get_ex(o, "vms", &arr));
	ja = json_object_array_get_idx(arr, 0);
	assert_null(field(ja, "guest_ack"));
	assert_null(field(ja, "guest_ack_error"));
	assert_null(field(ja, "guest_psi_some_permille"));
	assert_string_equal(json_object_get_string(field(ja, "guest_mask")),
			    "");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_fields),
	};

	return cmocka_run_group_tests_name("hintd_output", tests, NULL, NULL);
}
