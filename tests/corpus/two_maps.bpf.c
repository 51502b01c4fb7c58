// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: two policies in one object; which one is meant? */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, two_maps_test_1)
{
	return 1;
}

STRUCTOPS_POLICY(first_ops) = {
	.test_1 = (void *)two_maps_test_1,
	.name = "first",
};

STRUCTOPS_POLICY(second_ops) = {
	.test_1 = (void *)two_maps_test_1,
	.name = "second",
};
