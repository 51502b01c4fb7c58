// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: a callback that tail-calls.  The module withholds
 * bpf_tail_call: the called program would run on this member's arguments.
 */
#include <structops/bpf_testmod.bpf.h>

struct {
	__uint(type, 3);	/* BPF_MAP_TYPE_PROG_ARRAY, without <linux/bpf.h> */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jump SEC(".maps");

SEC("struct_ops/test_2")
int BPF_PROG(tail_call_test_2, int a, int b)
{
	bpf_tail_call(ctx, &jump, 0);
	return a;
}

STRUCTOPS_POLICY(tail_call_ops) = {
	.test_2 = (void *)tail_call_test_2,
	.name = "tail_call",
};
