// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object for the policy digest (never loaded): a map lookup, i.e. an
 * ld_imm64 of a map and a helper call, in test_1; test_2 is left to the
 * module.  Built twice, to show that recompiling keeps the digest.
 */
#include <structops/bpf_testmod.bpf.h>

struct {
	__uint(type, STRUCTOPS_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sign_hits SEC(".maps");

STRUCTOPS_OP(test_1, sign_map_test_1)
{
	__u32 key = 0;
	__u64 *hits = bpf_map_lookup_elem(&sign_hits, &key);

	if (hits)
		(*hits)++;
	return 1;
}

STRUCTOPS_OP(test_3, sign_map_test_3, const char *buf, int len)
{
	return len;
}

STRUCTOPS_POLICY(sign_map_ops) = {
	.test_1 = (void *)sign_map_test_1,
	.test_3 = (void *)sign_map_test_3,
	.name = "sign_map",
};
