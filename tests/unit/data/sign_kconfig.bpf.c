// SPDX-License-Identifier: GPL-2.0-only
/* Test object for the policy digest: a .kconfig extern, refused. */
#include <structops/bpf_testmod.bpf.h>

extern int LINUX_KERNEL_VERSION __kconfig;

STRUCTOPS_OP(test_1, sign_kconfig_test_1)
{
	return LINUX_KERNEL_VERSION;
}

STRUCTOPS_POLICY(sign_kconfig_ops) = {
	.test_1 = (void *)sign_kconfig_test_1,
	.name = "sign_kconfig",
};
