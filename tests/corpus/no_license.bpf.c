// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: no license section.  struct_ops programs must be
 * GPL-compatible, so the kernel refuses it.
 */
#define STRUCTOPS_NO_LICENSE
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_1, no_license_test_1)
{
	return 1;
}

STRUCTOPS_POLICY(no_license_ops) = {
	.test_1 = (void *)no_license_test_1,
	.name = "no_license",
};
