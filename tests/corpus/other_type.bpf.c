// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: implements a struct_ops type no kernel registers. */
#include <structops/bpf_testmod.bpf.h>

struct structops_other_ops {
	int (*test_1)(void);
};

STRUCTOPS_OP(test_1, other_test_1)
{
	return 1;
}

SEC(".struct_ops.link")
struct structops_other_ops other_ops = {
	.test_1 = (void *)other_test_1,
};
