// SPDX-License-Identifier: GPL-2.0-only
/*
 * partial - override one callback, keep the rest.
 *
 * Implements only test_1; the module's built-in behaviour answers test_2
 * and test_3 (a + b, len).  Pick it to change one decision of the subsystem
 * without taking responsibility for the others, and as the proof that a
 * NULL member falls back to the kernel's own code.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("only test_1; test_2 and test_3 fall back to the built-in code");

STRUCTOPS_OP(test_1, partial_test_1)
{
	return 4;
}

STRUCTOPS_POLICY(partial_ops) = {
	.test_1 = (void *)partial_test_1,
	.name = "partial",
};
