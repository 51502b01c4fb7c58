// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken only under lockdown=confidentiality: a policy built before the
 * module's kfunc, reading test_3's buffer with bpf_probe_read_kernel() as
 * the SDK's structops_read_buf() once did.  Where the kernel allows the
 * helper it loads and answers like default; a kernel locked down for
 * confidentiality refuses the helper, and the loader must say so in one
 * line (tests/integration/lockdown_test.cpp).
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_OP(test_3, probe_read_test_3, const char *buf, int len)
{
	char data[STRUCTOPS_BUF_SIZE] = {};
	__u32 n = structops_buf_len(len);

	if (!n)
		return 0;
	if (bpf_probe_read_kernel(data, n, buf))
		return -1;
	return data[0];
}

STRUCTOPS_POLICY(probe_read_ops) = {
	.test_3 = (void *)probe_read_test_3,
	.name = "probe_read",
};
