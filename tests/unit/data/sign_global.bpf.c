// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object for the policy digest (never loaded): globals in .rodata
 * (a knob), .data and .bss, each reached through an ld_imm64 of a map
 * value.  SIGN_VALUE (-D) changes one instruction's immediate.
 */
#include <structops/bpf_testmod.bpf.h>

#ifndef SIGN_VALUE
#define SIGN_VALUE 5
#endif

const volatile int sign_knob = 3;
int sign_data = 7;
int sign_bss;

STRUCTOPS_OP(test_2, sign_global_test_2, int a, int b)
{
	sign_bss += a;
	return sign_knob * a + sign_data * b + SIGN_VALUE;
}

STRUCTOPS_POLICY(sign_global_ops) = {
	.test_2 = (void *)sign_global_test_2,
	.name = "sign_global",
};
