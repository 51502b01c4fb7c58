// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats - observe the subsystem without changing its answers.
 *
 * Counts the calls of each callback and keeps a log2 histogram of test_3
 * payload lengths, in a per-CPU array map that "structops-load --status"
 * reads and sums over the CPUs.  Answers like the built-in behaviour
 * (a + b, len) except test_1, which identifies the policy.
 *
 * Per-CPU, as scx_simple's stat_inc(): each CPU bumps its own copy, so the
 * callbacks share no cache line and need no atomic instruction.  A
 * struct_ops program runs with migration disabled, so the copy it looked up
 * stays its CPU's for the whole callback.  Counts are exact unless a
 * callback is preempted in the middle of an increment by another trigger
 * on the same CPU (a preemptible kernel, two writers): then one count of
 * the two can be lost, the price of not serialising the callbacks.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("counts calls per callback and a histogram of test_3 lengths");

enum { LEN_BUCKETS = 10 };	/* 0, 1, 2-3, 4-7, ..., 128-255 */

struct stats {
	__u64 calls_test_1;
	__u64 calls_test_2;
	__u64 calls_test_3;
	/* len_log2[0]: empty payloads; len_log2[i]: lengths in [2^(i-1), 2^i). */
	__u64 len_log2[LEN_BUCKETS];
};

struct {
	__uint(type, STRUCTOPS_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

/* This CPU's counters; never NULL for key 0, but the verifier wants it checked. */
static __always_inline struct stats *stats_this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

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
	struct stats *s = stats_this_cpu();

	if (s)
		s->calls_test_1++;
	return 2;
}

STRUCTOPS_OP(test_2, stats_test_2, int a, int b)
{
	struct stats *s = stats_this_cpu();

	if (s)
		s->calls_test_2++;
	return (int)((__u32)a + (__u32)b);
}

STRUCTOPS_OP(test_3, stats_test_3, const char *buf, int len)
{
	struct stats *s = stats_this_cpu();
	__u32 b = len_bucket(len > 0 ? len : 0);

	if (s) {
		s->calls_test_3++;
		if (b < LEN_BUCKETS)
			s->len_log2[b]++;
	}
	return len;
}

STRUCTOPS_POLICY(stats_ops) = {
	.test_1 = (void *)stats_test_1,
	.test_2 = (void *)stats_test_2,
	.test_3 = (void *)stats_test_3,
	.name = "stats",
};
