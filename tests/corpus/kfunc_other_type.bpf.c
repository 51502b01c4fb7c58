// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken on purpose: a program of another struct_ops type,
 * tcp_congestion_ops, that calls bpf_testmod's kfunc.  The module's kfunc
 * filter keeps the kfunc to bpf_testmod_ops programs, so the verifier
 * refuses this one ("calling kernel function bpf_testmod_read_test_3_buf
 * is not allowed").  Loaded with bpftool, since structops-load refuses the
 * type before the kernel sees it (tests/integration/kfunc_test.cpp).
 */
#include <structops/bpf_testmod.bpf.h>

struct sock;

/* The members libbpf matches by name with the kernel's type. */
struct tcp_congestion_ops {
	void (*init)(struct sock *sk);
	char name[16];
};

SEC("struct_ops/init")
void BPF_PROG(other_init, struct sock *sk)
{
	char data[8] = {};

	bpf_testmod_read_test_3_buf(data, sizeof(data));
}

SEC(".struct_ops.link")
struct tcp_congestion_ops kfunc_other_ca = {
	.init = (void *)other_init,
	.name = "structops_kfunc",
};
