/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Signed policies: the trusted set of (member, digest) pairs, filled from
 * signatures the kernel's keyrings verify, and the check every program of
 * bpf_testmod_ops passes at BPF_PROG_LOAD.  See policy_trust.c and
 * docs/design/signed-policies.md.
 */
#ifndef _BPF_TESTMOD_POLICY_TRUST_H
#define _BPF_TESTMOD_POLICY_TRUST_H

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "pkcs7_signer.h"

/* The module's kfunc (bpf_testmod_main.c), whose address a digest names. */
int bpf_testmod_read_test_3_buf(char *dst, u32 dst__sz);

/* /proc/bpf_testmod_trust; 0 or -errno. */
int policy_trust_init(void);
/* Removes the file and forgets every trusted program. */
void policy_trust_exit(void);

/*
 * From .check_member: 0 if the program may be verified, -EKEYREJECTED if
 * require_signed_policies is on and no trusted signature names it (or the
 * program cannot be digested), -ENOMEM.  May sleep (bpf() syscall context).
 */
int policy_trust_check(const struct btf *btf, const struct btf_type *t,
		       const struct btf_member *member,
		       const struct bpf_prog *prog);

/* The status file's lines on enforcement and the trusted set. */
void policy_trust_status(struct seq_file *m);

#endif /* _BPF_TESTMOD_POLICY_TRUST_H */
