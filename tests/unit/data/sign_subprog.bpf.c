// SPDX-License-Identifier: GPL-2.0-only
/* Test object for the policy digest: a bpf-to-bpf call, refused in v1. */
#include <structops/bpf_testmod.bpf.h>

static __noinline int sign_twice(int x)
{
	return x * 2;
}

STRUCTOPS_OP(test_2, sign_subprog_test_2, int a, int b)
{
	return sign_twice(a) + b;
}

STRUCTOPS_POLICY(sign_subprog_ops) = {
	.test_2 = (void *)sign_subprog_test_2,
	.name = "sign_subprog",
};
