/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The structops policy SDK: everything a bpf_testmod_ops policy needs, so
 * that one include and a bare compiler invocation build it:
 *
 *	#include <structops/bpf_testmod.bpf.h>
 *	clang -O2 -g -target bpf -c my.bpf.c -o my.bpf.o
 *
 * It provides the struct_ops type, libbpf's helper declarations, the
 * module's kfunc, a GPL license section (kfuncs and bpf_probe_read_kernel
 * are GPL-only) and the macros below.
 */
#ifndef _STRUCTOPS_BPF_TESTMOD_BPF_H
#define _STRUCTOPS_BPF_TESTMOD_BPF_H

/*
 * libbpf's helper declarations need the kernel's fixed-width types from
 * <linux/types.h>, whose <asm/types.h> lives in the multiarch directory
 * that "clang -target bpf" does not search.  `pkg-config --cflags
 * structops-sdk` adds it (-idirafter /usr/include/<multiarch>); a bare
 * "clang -target bpf" without it still works through the fallback below,
 * the same typedefs the kernel's asm-generic/int-ll64.h makes.
 */
#if !defined(__VMLINUX_H__) && __has_include(<asm/types.h>)
#include <linux/types.h>
#elif !defined(__VMLINUX_H__) && !defined(_LINUX_TYPES_H)
typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
#endif

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <structops/bpf_testmod.h>

/*
 * BPF_MAP_TYPE_PERCPU_ARRAY (UAPI, never renumbered), for per-CPU counters
 * (policies/stats.bpf.c): <linux/bpf.h>, which defines it, needs the
 * <asm/types.h> a bare "clang -target bpf" cannot reach.
 */
#define STRUCTOPS_MAP_TYPE_PERCPU_ARRAY 6

#ifndef STRUCTOPS_NO_LICENSE
char LICENSE[] SEC("license") = "GPL";
#endif

/*
 * STRUCTOPS_OP(member, fn, args...) defines the callback fn for the
 * bpf_testmod_ops member of that name, with typed arguments:
 *
 *	STRUCTOPS_OP(test_2, my_test_2, int a, int b)
 *	{
 *		return a * b;
 *	}
 */
#define STRUCTOPS_OP(member, fn, args...) \
	SEC("struct_ops/" #member) int BPF_PROG(fn, ##args)

/*
 * STRUCTOPS_POLICY(var) declares the policy itself: exactly one per object,
 * in the ".struct_ops.link" section so that it attaches through a BPF link
 * and can be swapped atomically (plain ".struct_ops" cannot).
 */
#define STRUCTOPS_POLICY(var) \
	SEC(".struct_ops.link") struct bpf_testmod_ops var

/*
 * STRUCTOPS_DESCRIPTION("...") gives the policy the one-line description
 * "structops-load --list" shows.  It lives in an ELF section of its own
 * that nothing loads into the kernel.
 */
#define STRUCTOPS_DESCRIPTION(text) \
	const char structops_description[] \
	__attribute__((section(".structops.desc"), used)) = text

/* Size of the scratch buffer structops_read_buf() reads into. */
#define STRUCTOPS_BUF_SIZE 256

/*
 * The module's kfunc (kmod/bpf_testmod_main.c): from inside test_3, copy the
 * first min(dst__sz, len) bytes of the buffer the module passed to that
 * call; returns the number copied, or -ENODATA (-61) outside a test_3 call
 * (e.g. from test_1).  It needs no helper, so it works where lockdown
 * (lockdown=confidentiality) refuses bpf_probe_read_kernel.  __weak: an
 * object that uses it still loads with a module that predates it, where
 * structops_read_buf() falls back to the helper.
 */
extern int bpf_testmod_read_test_3_buf(char *dst, __u32 dst__sz) __ksym __weak;

/*
 * Copy the first min(len, STRUCTOPS_BUF_SIZE - 1) bytes of test_3's buffer
 * into dst, a zero-initialised char[STRUCTOPS_BUF_SIZE], so that it stays
 * NUL-terminated.  Returns the number of bytes copied, or a negative error.
 * Call it from test_3 with that callback's buf and len.
 *
 * It reads through the module's kfunc, which copies the buffer of the
 * test_3 call running and never more than that call's length; buf is used
 * only with a module too old to have the kfunc, through
 * bpf_probe_read_kernel() (bpf_ksym_exists() is a constant the verifier
 * sees, so it never checks the branch not taken).
 *
 * The bound must be one the verifier can follow on every compiler.  The
 * compiler knows n <= STRUCTOPS_BUF_SIZE - 1 after the clamp and would drop
 * a mask, passing on a register whose compare happened on a copy (clang 14
 * does exactly that).  The empty asm makes it forget, so the mask is
 * emitted on the very register handed to the kfunc or helper.  Passing len
 * straight to bpf_probe_read_kernel() is what made the original tutorial
 * fail with "R2 min value is negative".
 */
/* len clamped to what dst holds, in a form every verifier follows. */
static __always_inline __u32 structops_buf_len(int len)
{
	__u32 n;

	if (len <= 0)
		return 0;
	n = len;
	if (n > STRUCTOPS_BUF_SIZE - 1)
		n = STRUCTOPS_BUF_SIZE - 1;
	asm volatile("" : "+r"(n));
	return n & (STRUCTOPS_BUF_SIZE - 1);
}

/* The copy itself, bounded by structops_buf_len() (above). */
static __always_inline int structops_read_buf(char *dst, const char *buf,
					      int len)
{
	__u32 n = structops_buf_len(len);
	int ret;

	if (!n)
		return 0;
	if (bpf_ksym_exists(bpf_testmod_read_test_3_buf))
		return bpf_testmod_read_test_3_buf(dst, n);
	ret = bpf_probe_read_kernel(dst, n, buf);
	return ret ? ret : (int)n;
}

/* Saturate a 64-bit result into test_2's int return value. */
static __always_inline int structops_clamp_int(__s64 v)
{
	if (v > __INT_MAX__)
		return __INT_MAX__;
	if (v < -__INT_MAX__ - 1)
		return -__INT_MAX__ - 1;
	return (int)v;
}

#endif /* _STRUCTOPS_BPF_TESTMOD_BPF_H */
