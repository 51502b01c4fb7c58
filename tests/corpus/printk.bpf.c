// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: a callback that uses bpf_printk.  The module withholds
 * bpf_trace_printk: policies report through their globals.
 */
#include <structops/bpf_testmod.bpf.h>

SEC("struct_ops/test_1")
int BPF_PROG(printk_test_1)
{
	bpf_printk("test_1 called");
	return 1;
}

STRUCTOPS_POLICY(printk_ops) = {
	.test_1 = (void *)printk_test_1,
	.name = "printk",
};
