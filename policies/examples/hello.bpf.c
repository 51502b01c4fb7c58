// SPDX-License-Identifier: GPL-2.0-only
/* hello - the SDK example: a complete policy from the installed header. */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("SDK example: 5, max(a, b), counts the letter 'l'");

STRUCTOPS_OP(test_1, hello_test_1) { return 5; }

STRUCTOPS_OP(test_2, hello_test_2, int a, int b) { return a > b ? a : b; }

STRUCTOPS_OP(test_3, hello_test_3, const char *buf, int len)
{
	char data[STRUCTOPS_BUF_SIZE] = {};
	int n = structops_read_buf(data, buf, len), count = 0;

	for (int i = 0; i < STRUCTOPS_BUF_SIZE && i < n; i++)
		count += data[i] == 'l';
	return count;
}

STRUCTOPS_POLICY(hello_ops) = {
	.test_1 = (void *)hello_test_1, .test_2 = (void *)hello_test_2,
	.test_3 = (void *)hello_test_3, .name = "hello",
};
