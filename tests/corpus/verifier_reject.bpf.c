// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: the tutorial's test_3, which hands the unchecked len
 * to bpf_probe_read_kernel().  The verifier rejects it: the size may be
 * negative or larger than the buffer.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_3, reject_test_3, const char *buf, int len)
{
	char data[16] = {};

	bpf_probe_read_kernel(data, len, buf);
	return data[0];
}

STRUCTOPS_POLICY(reject_ops) = {
	.test_3 = (void *)reject_test_3,
	.name = "verifier_reject",
};
