// SPDX-License-Identifier: GPL-2.0-only
/*
 * empty - the benchmark's floor for a policy call: callbacks that return 0
 * and do nothing else, so a call costs the kernel's struct_ops trampoline
 * and the BPF program's entry and exit only.  Test-only, never shipped.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, empty_test_1)
{
	return 0;
}

STRUCTOPS_OP(test_2, empty_test_2, int a, int b)
{
	return 0;
}

STRUCTOPS_POLICY(empty_ops) = {
	.test_1 = (void *)empty_test_1,
	.test_2 = (void *)empty_test_2,
	.name = "empty",
};
