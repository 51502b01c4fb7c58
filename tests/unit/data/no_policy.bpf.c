// SPDX-License-Identifier: GPL-2.0-only
/* Test object: a BPF object with a program but no struct_ops map. */
#include <structops/bpf_testmod.bpf.h>

__u64 hits;

SEC("tracepoint/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
	hits++;
	return 0;
}
