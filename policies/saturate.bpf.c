// SPDX-License-Identifier: GPL-2.0-only
/*
 * saturate - overflow-safe arithmetic.
 *
 * test_2 adds in 64 bits and clamps to the int range, so
 * test_2(INT_MAX, 1) is INT_MAX instead of wrapping to INT_MIN.  Pick it
 * where a wrapped sum would be read as a small or negative quantity.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("overflow-safe: test_2 clamps a + b to [INT_MIN, INT_MAX]");

STRUCTOPS_OP(test_1, saturate_test_1)
{
	return 1;
}

STRUCTOPS_OP(test_2, saturate_test_2, int a, int b)
{
	return structops_clamp_int((__s64)a + b);
}

STRUCTOPS_OP(test_3, saturate_test_3, const char *buf, int len)
{
	return len;
}

STRUCTOPS_POLICY(saturate_ops) = {
	.test_1 = (void *)saturate_test_1,
	.test_2 = (void *)saturate_test_2,
	.test_3 = (void *)saturate_test_3,
	.name = "saturate",
};
