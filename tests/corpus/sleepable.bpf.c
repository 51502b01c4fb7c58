// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: a sleepable callback.  Every bpf_testmod_ops callback
 * runs under rcu_read_lock(), where a program that may sleep must not run;
 * the module's check_member makes the kernel refuse it at load.
 */
#include <structops/bpf_testmod.bpf.h>

SEC("struct_ops.s/test_1")
int BPF_PROG(sleepable_test_1)
{
	return 77;
}

STRUCTOPS_POLICY(sleepable_ops) = {
	.test_1 = (void *)sleepable_test_1,
	.name = "sleepable",
};
