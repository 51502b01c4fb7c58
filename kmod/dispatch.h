/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The callbacks' dispatch (bpf_testmod_main.c), shared with the dispatch
 * benchmark (dispatch_bench.c) so that the benchmark times the very code a
 * trigger runs.
 */
#ifndef _BPF_TESTMOD_DISPATCH_H
#define _BPF_TESTMOD_DISPATCH_H

struct bpf_testmod_ops;

/* The active policy's ops, or NULL; call under rcu_read_lock(). */
const struct bpf_testmod_ops *testmod_active_ops(void);

/* The name status shows for @ops (BPF_TESTMOD_NAME_LEN bytes at @buf). */
void policy_name(const struct bpf_testmod_ops *ops, char *buf);

/* What the subsystem does without a policy. */
int builtin_test_1(void);
int builtin_test_2(int a, int b);

/* @ops's callback, or the built-in code where @ops has none. */
int call_test_1(const struct bpf_testmod_ops *ops);
int call_test_2(const struct bpf_testmod_ops *ops, int a, int b);

#endif /* _BPF_TESTMOD_DISPATCH_H */
