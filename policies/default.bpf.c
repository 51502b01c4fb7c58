// SPDX-License-Identifier: GPL-2.0-only
/*
 * default - the tutorial's semantics, made safe.
 *
 * test_1 answers 42, test_2 adds its arguments (wrapping like C on the
 * kernel side), test_3 copies the start of the buffer with a bound the
 * verifier can prove and records its first byte and length.  Pick it as
 * the reference behaviour, or as the starting point of a policy of your own.
 */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_DESCRIPTION("the tutorial's semantics: 42, a + b, reads the buffer safely");

/* What test_3 saw last; shown by "structops-load --status". */
__u32 last_len;
__u8 last_first_byte;

STRUCTOPS_OP(test_1, default_test_1)
{
	return 42;
}

STRUCTOPS_OP(test_2, default_test_2, int a, int b)
{
	return (int)((__u32)a + (__u32)b);
}

STRUCTOPS_OP(test_3, default_test_3, const char *buf, int len)
{
	char data[STRUCTOPS_BUF_SIZE] = {};

	if (structops_read_buf(data, buf, len) < 0)
		return len;
	last_first_byte = data[0];
	last_len = len;
	return len;
}

STRUCTOPS_POLICY(default_ops) = {
	.test_1 = (void *)default_test_1,
	.test_2 = (void *)default_test_2,
	.test_3 = (void *)default_test_3,
	.name = "default",
};
