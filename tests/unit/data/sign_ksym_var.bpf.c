// SPDX-License-Identifier: GPL-2.0-only
/* Test object for the policy digest: a typed __ksym variable, refused. */
#include <structops/bpf_testmod.bpf.h>

extern const int bpf_prog_active __ksym;

STRUCTOPS_OP(test_1, sign_ksym_var_test_1)
{
	return *(volatile const int *)&bpf_prog_active;
}

STRUCTOPS_POLICY(sign_ksym_var_ops) = {
	.test_1 = (void *)sign_ksym_var_test_1,
	.name = "sign_ksym_var",
};
