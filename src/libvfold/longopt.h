/* SPDX-License-Identifier: GPL-2.0 */
/*
 * getopt_long() takes any unambiguous beginning of a long option
 * ("--cgroup" for --cgroup-root), which hides a mistake and stops working
 * once another option shares that beginning. The programs of vfold want
 * their long options named in full.
 */
#ifndef VFOLD_LONGOPT_H
#define VFOLD_LONGOPT_H

#include <getopt.h>
#include <stddef.h>

/*
 * Right after getopt_long() returned long option @lo: checks that the
 * argument that named it ("--NAME" or "--NAME=VALUE") named it in full.
 * Returns 0, or -EINVAL with the message for the user in @msg
 * ("unknown option --cg (options are not abbreviated: --cgroup-root?)").
 */
int vfold_longopt_check(char *const *argv, const struct option *lo,
			char *msg, size_t len);

#endif
