// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object for the policy digest (never loaded): the module's kfunc
 * through the SDK's structops_read_buf(), i.e. bpf_ksym_exists() (an
 * ld_imm64 of the extern), the kfunc call and the helper fallback.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_3, sign_kfunc_test_3, const char *buf, int len)
{
	char data[STRUCTOPS_BUF_SIZE] = {};

	return structops_read_buf(data, buf, len);
}

STRUCTOPS_POLICY(sign_kfunc_ops) = {
	.test_3 = (void *)sign_kfunc_test_3,
	.name = "sign_kfunc",
};
