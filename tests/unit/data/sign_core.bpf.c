// SPDX-License-Identifier: GPL-2.0-only
/* Test object for the policy digest: a CO-RE relocation, refused. */
#include <structops/bpf_testmod.bpf.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

STRUCTOPS_OP(test_1, sign_core_test_1)
{
	return bpf_core_field_exists(struct task_struct, pid);
}

STRUCTOPS_POLICY(sign_core_ops) = {
	.test_1 = (void *)sign_core_test_1,
	.name = "sign_core",
};
