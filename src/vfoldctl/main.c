// SPDX-License-Identifier: GPL-2.0
/*
 * vfoldctl: the guest's paravirt (folded) CPUs and paravirt governor,
 * shown and set from the command line. See cli.c and vfoldctl.8.
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return ctl_main(argc, argv, stdout, stderr);
}
