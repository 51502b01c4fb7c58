/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The structops ABI: the one definition of the bpf_testmod_ops struct_ops
 * type, shared by the kernel module, the shipped policies and the policy SDK.
 *
 * Rules that keep old policies loading on new modules:
 *  - members are only ever appended, never reordered, resized or removed;
 *  - numeric constants are enums, not #defines, so they land in BTF and
 *    tools can read them from the module itself; strings, which BTF cannot
 *    carry, are #defines.
 *
 * The loader and the tests take every constant below from here, never a
 * copy of their own.
 *
 * It needs no other header: the struct uses only C base types, so it can be
 * included by the kernel, by user space and by BPF programs built with a
 * bare "clang -target bpf" (which has no <asm/types.h>).
 */
#ifndef _STRUCTOPS_BPF_TESTMOD_H
#define _STRUCTOPS_BPF_TESTMOD_H

/* The kernel module, as modprobe, /sys/module and /sys/kernel/btf name it. */
#define BPF_TESTMOD_MODULE_NAME "bpf_testmod"
/* The struct_ops type policies implement (struct bpf_testmod_ops). */
#define BPF_TESTMOD_OPS_TYPE "bpf_testmod_ops"
/* Writing a payload here fires the callbacks (root only). */
#define BPF_TESTMOD_TRIGGER_NAME "bpf_testmod_trigger"
#define BPF_TESTMOD_TRIGGER_PATH "/proc/" BPF_TESTMOD_TRIGGER_NAME
/* "key: value" lines: the active policy, counters, the last results. */
#define BPF_TESTMOD_STATUS_NAME "bpf_testmod_status"
#define BPF_TESTMOD_STATUS_PATH "/proc/" BPF_TESTMOD_STATUS_NAME
/*
 * Writing a policy's signature (POLICY.bpf.o.sig) here makes the programs
 * it names trusted; reading lists them (root only).  See
 * docs/design/signed-policies.md.
 */
#define BPF_TESTMOD_TRUST_NAME "bpf_testmod_trust"
#define BPF_TESTMOD_TRUST_PATH "/proc/" BPF_TESTMOD_TRUST_NAME
/* The signed manifest's first line, and the prefix of its other lines. */
#define BPF_TESTMOD_MANIFEST_MAGIC "structops-signed-policy 1"
/* The module's kfuncs, by name: a policy's digest names them (below). */
#define BPF_TESTMOD_KFUNC_READ_TEST_3_BUF "bpf_testmod_read_test_3_buf"

enum bpf_testmod_limits {
	/* Size of bpf_testmod_ops.name, terminating NUL included. */
	BPF_TESTMOD_NAME_LEN = 32,
	/* Longest payload one write to /proc/bpf_testmod_trigger accepts. */
	BPF_TESTMOD_TRIGGER_MAX = 255,
	/* Largest signature one write to /proc/bpf_testmod_trust accepts. */
	BPF_TESTMOD_TRUST_MAX = 16384,
	/* Programs one signature may name. */
	BPF_TESTMOD_TRUST_MAX_PROGS = 64,
	/* Trusted programs the module keeps until it is unloaded. */
	BPF_TESTMOD_TRUST_MAX_ENTRIES = 1024,
	/* Longest policy name in a manifest. */
	BPF_TESTMOD_TRUST_POLICY_LEN = 32,
};

/*
 * A policy's digest names each of the module's kfuncs by one of these
 * tokens instead of its BTF id, which differs per kernel and per build: a
 * kfunc call (BPF_CALL, src_reg BPF_PSEUDO_KFUNC_CALL) becomes imm = token,
 * off = 0, and the ld_imm64 of its address (bpf_ksym_exists(), src_reg
 * BPF_PSEUDO_BTF_ID) becomes imm = token, next imm = 0.  Only ever
 * appended: a token's value is part of every signature over it.
 */
enum bpf_testmod_kfunc_token {
	BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF = 1,
};

/*
 * The operations a policy may implement.  A member left NULL is answered by
 * the module's built-in behaviour (shown after each member).
 */
struct bpf_testmod_ops {
	/* A policy's identity probe: built-in returns 0. */
	int (*test_1)(void);
	/* Arithmetic on two caller values: built-in returns a + b (wrapping). */
	int (*test_2)(int a, int b);
	/* Inspect a kernel buffer of len bytes: built-in returns len. */
	int (*test_3)(const char *buf, int len);
	/* Policy name shown in status; printable, NUL-terminated. */
	char name[BPF_TESTMOD_NAME_LEN];
};

#endif /* _STRUCTOPS_BPF_TESTMOD_H */
