// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object for the loader's unit tests (never loaded into a kernel):
 * rodata knobs of every integer size and signedness, global statistics
 * with known initial values, and a policy that fills test_1 and test_3
 * but leaves test_2 to the module.
 */
#include <stdbool.h>
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("test object:\tknobs of every size");

const volatile __u8 k_u8 = 7;
const volatile __s8 k_s8 = -3;
const volatile __u16 k_u16 = 1000;
const volatile __s16 k_s16 = -1000;
const volatile __u32 k_u32 = 100000;
const volatile __s32 k_s32 = -100000;
const volatile __u64 k_u64 = 1;
const volatile __s64 k_s64 = -1;
const volatile bool k_bool = true;

/* .data: statistics with initial values the decoder must show. */
__u64 counter = 5;
__u32 hist[4] = {1, 2, 3, 4};
char label[8] = "abc";
__s16 delta = -2;
/* .bss */
__u64 zeroed;

STRUCTOPS_OP(test_1, knobs_test_1)
{
	counter++;
	return k_u8 + k_s8 + k_u16 + k_s16 + k_u32 + k_s32 + k_u64 + k_s64 + k_bool;
}

STRUCTOPS_OP(test_3, knobs_test_3, const char *buf, int len)
{
	hist[len & 3]++;
	zeroed += label[0] + delta;
	return len;
}

STRUCTOPS_POLICY(knobs_ops) = {
	.test_1 = (void *)knobs_test_1,
	.test_3 = (void *)knobs_test_3,
	.name = "knobs",
};
