/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/fastpath_probe.c - does this kernel take lisp-xtrd's in-kernel fast path
 * (xtr/fastpath.h)? Exit 0, or 77 with the reason on stdout: the tests that run with
 * FAST_PATH=on skip then, saying why (tests/integration/lib.sh fast_path_need).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "xtr/fastpath.h"

int main(void)
{
	char err[512];

	if (geteuid() != 0) {
		printf("needs root (eBPF programs at TC ingress)\n");
		return 77;
	}
	if (xtr_fp_probe(err, sizeof(err)) < 0) {
		printf("%s\n", err);
		return 77;
	}
	printf("the kernel takes the fast path\n");
	return 0;
}
