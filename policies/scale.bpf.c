// SPDX-License-Identifier: GPL-2.0-only
/*
 * scale - a policy tuned at load time.
 *
 * test_2 answers (a + b) * multiplier + offset and test_3 len * multiplier,
 * both saturated to the int range.  The knobs are read-only data the loader
 * sets before the verifier sees the program, e.g.
 *	structops-load --policy scale --set multiplier=10 --set offset=-1
 * so they cost nothing at run time and cannot change under a running policy.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("tunable: (a + b) * multiplier + offset; knobs multiplier, offset");

const volatile int multiplier = 2;
const volatile int offset;

STRUCTOPS_OP(test_1, scale_test_1)
{
	return 3;
}

STRUCTOPS_OP(test_2, scale_test_2, int a, int b)
{
	__s64 sum = (__s64)a + b;

	/* |sum| < 2^32 and |multiplier| < 2^31: the product fits in 64 bits. */
	return structops_clamp_int(sum * multiplier + offset);
}

STRUCTOPS_OP(test_3, scale_test_3, const char *buf, int len)
{
	return structops_clamp_int((__s64)len * multiplier);
}

STRUCTOPS_POLICY(scale_ops) = {
	.test_1 = (void *)scale_test_1,
	.test_2 = (void *)scale_test_2,
	.test_3 = (void *)scale_test_3,
	.name = "scale",
};
