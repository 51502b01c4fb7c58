// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats - observe the subsystem without changing its answers.
 *
 * Counts the calls of each callback and keeps a log2 histogram of test_3
 * payload lengths, in global variables that "structops-load --status"
 * reads from the policy's own maps.  Answers like the built-in behaviour
 * (a + b, len) except test_1, which identifies the policy.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("counts calls per callback and a histogram of test_3 lengths");

enum { LEN_BUCKETS = 10 };	/* 0, 1, 2-3, 4-7, ..., 128-255 */

__u64 calls_test_1;
__u64 calls_test_2;
__u64 calls_test_3;
/* len_log2[0] counts empty payloads, len_log2[i] lengths in [2^(i-1), 2^i). */
__u64 len_log2[LEN_BUCKETS];

static __always_inline __u32 len_bucket(__u32 len)
{
	__u32 b = 0;

	for (int i = 0; i < LEN_BUCKETS - 1 && len; i++) {
		len >>= 1;
		b++;
	}
	return b;
}

STRUCTOPS_OP(test_1, stats_test_1)
{
	__sync_fetch_and_add(&calls_test_1, 1);
	return 2;
}

STRUCTOPS_OP(test_2, stats_test_2, int a, int b)
{
	__sync_fetch_and_add(&calls_test_2, 1);
	return (int)((__u32)a + (__u32)b);
}

STRUCTOPS_OP(test_3, stats_test_3, const char *buf, int len)
{
	__u32 b = len_bucket(len > 0 ? len : 0);

	__sync_fetch_and_add(&calls_test_3, 1);
	if (b < LEN_BUCKETS)
		__sync_fetch_and_add(&len_log2[b], 1);
	return len;
}

STRUCTOPS_POLICY(stats_ops) = {
	.test_1 = (void *)stats_test_1,
	.test_2 = (void *)stats_test_2,
	.test_3 = (void *)stats_test_3,
	.name = "stats",
};
