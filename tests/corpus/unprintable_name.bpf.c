// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: a name with a control character in it. */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, unprintable_test_1)
{
	return 1;
}

STRUCTOPS_POLICY(unprintable_ops) = {
	.test_1 = (void *)unprintable_test_1,
	.name = "bad\x1bname",
};
