// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: a 32-byte name fills name[32] and has no NUL. */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, long_name_test_1)
{
	return 1;
}

STRUCTOPS_POLICY(long_name_ops) = {
	.test_1 = (void *)long_name_test_1,
	.name = "this-policy-name-is-32-bytes-xx!",
};
