// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-bench: scheduler benchmarks small enough for a busybox guest:
 * wakeup latency under load (wake) and pipe ping-pong (pipe). See cli.c.
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return bench_main(argc, argv, stdout, stderr);
}
