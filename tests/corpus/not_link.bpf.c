// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: plain ".struct_ops" cannot be swapped through a link. */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, not_link_test_1)
{
	return 1;
}

SEC(".struct_ops")
struct bpf_testmod_ops not_link_ops = {
	.test_1 = (void *)not_link_test_1,
	.name = "not_link",
};
