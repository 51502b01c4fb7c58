// SPDX-License-Identifier: GPL-2.0-only
/*
 * read_buf_probe - not a shipped policy: it shows the tests what the
 * module's kfunc bpf_testmod_read_test_3_buf() copies and returns
 * (tests/integration/kfunc_test.cpp).
 *
 * test_3 asks for `ask` bytes (by default the whole 256-byte buffer, more
 * than any trigger's payload) into a buffer filled with 0xff and answers
 * n * 256 + the last byte copied, -1000 if the byte after the n copied was
 * overwritten, or the kfunc's negative errno.  test_1 calls it outside any
 * test_3 call and answers what it returned.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("test probe of bpf_testmod_read_test_3_buf()");

/* How many bytes test_3 asks for: --set ask=N, at most 256. */
const volatile __u32 ask = STRUCTOPS_BUF_SIZE;

STRUCTOPS_OP(test_1, probe_test_1)
{
	char data[8] = {};

	return bpf_testmod_read_test_3_buf(data, sizeof(data));
}

STRUCTOPS_OP(test_3, probe_test_3, const char *buf, int len)
{
	char data[STRUCTOPS_BUF_SIZE];
	__u32 size = ask;
	int n;

	__builtin_memset(data, 0xff, sizeof(data));
	if (size > sizeof(data))
		return -1001;
	n = bpf_testmod_read_test_3_buf(data, size);
	if (n <= 0)
		return n;
	if ((__u32)n < sizeof(data) && data[n & 0xff] != (char)0xff)
		return -1000;
	return n * 256 + (__u8)data[(n - 1) & 0xff];
}

STRUCTOPS_POLICY(probe_ops) = {
	.test_1 = (void *)probe_test_1,
	.test_3 = (void *)probe_test_3,
	.name = "read_buf_probe",
};
