/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_testmod's tracepoints, so that perf, trace-cmd and bpftrace can watch
 * a policy live:
 *
 *	bpf_testmod:bpf_testmod_trigger	one per trigger write that ran
 *	bpf_testmod:bpf_testmod_swap	one per attach, swap and detach
 *
 * The policy names are fixed-size arrays rather than __string(): the
 * __assign_str() macro lost its second argument in 6.10, and the module
 * builds from 6.9 on.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bpf_testmod

#if !defined(_BPF_TESTMOD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BPF_TESTMOD_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include <structops/bpf_testmod.h>

/* Bits of bpf_testmod_trigger's called and builtin masks. */
#define BPF_TESTMOD_TRACE_TEST_1	1
#define BPF_TESTMOD_TRACE_TEST_2	2
#define BPF_TESTMOD_TRACE_TEST_3	4

/*
 * @called: the callbacks this trigger ran; @builtin: those of them the
 * module's built-in code answered (no policy, or the policy leaves the
 * member NULL).  test_2 ran with (@a, @b), test_3 with the @len bytes of
 * @text; a callback that did not run shows 0.
 */
TRACE_EVENT(bpf_testmod_trigger,

	TP_PROTO(u64 seq, const char *policy, unsigned int called,
		 unsigned int builtin, int a, int b, const char *text, int len,
		 int test_1, int test_2, int test_3),

	TP_ARGS(seq, policy, called, builtin, a, b, text, len,
		test_1, test_2, test_3),

	TP_STRUCT__entry(
		__field(u64, seq)
		__array(char, policy, BPF_TESTMOD_NAME_LEN)
		__field(unsigned int, called)
		__field(unsigned int, builtin)
		__field(int, a)
		__field(int, b)
		__field(int, len)
		__field(int, test_1)
		__field(int, test_2)
		__field(int, test_3)
		__dynamic_array(char, text, len + 1)
	),

	TP_fast_assign(
		__entry->seq = seq;
		strscpy(__entry->policy, policy, BPF_TESTMOD_NAME_LEN);
		__entry->called = called;
		__entry->builtin = builtin;
		__entry->a = a;
		__entry->b = b;
		__entry->len = len;
		__entry->test_1 = test_1;
		__entry->test_2 = test_2;
		__entry->test_3 = test_3;
		memcpy(__get_dynamic_array(text), text, len);
		((char *)__get_dynamic_array(text))[len] = '\0';
	),

	TP_printk("seq=%llu policy=%s called=%s builtin=%s test_1=%d test_2(%d, %d)=%d test_3(len=%d)=%d text=%s",
		  __entry->seq, __entry->policy,
		  __print_flags(__entry->called, "|",
				{ BPF_TESTMOD_TRACE_TEST_1, "test_1" },
				{ BPF_TESTMOD_TRACE_TEST_2, "test_2" },
				{ BPF_TESTMOD_TRACE_TEST_3, "test_3" }),
		  __print_flags(__entry->builtin, "|",
				{ BPF_TESTMOD_TRACE_TEST_1, "test_1" },
				{ BPF_TESTMOD_TRACE_TEST_2, "test_2" },
				{ BPF_TESTMOD_TRACE_TEST_3, "test_3" }),
		  __entry->test_1, __entry->a, __entry->b, __entry->test_2,
		  __entry->len, __entry->test_3, __get_str(text))
);

/* @op is "reg", "update" or "unreg"; a missing policy is "none". */
TRACE_EVENT(bpf_testmod_swap,

	TP_PROTO(const char *op, const char *old_policy, const char *new_policy),

	TP_ARGS(op, old_policy, new_policy),

	TP_STRUCT__entry(
		__array(char, op, 8)
		__array(char, old_policy, BPF_TESTMOD_NAME_LEN)
		__array(char, new_policy, BPF_TESTMOD_NAME_LEN)
	),

	TP_fast_assign(
		strscpy(__entry->op, op, sizeof(__entry->op));
		strscpy(__entry->old_policy, old_policy, BPF_TESTMOD_NAME_LEN);
		strscpy(__entry->new_policy, new_policy, BPF_TESTMOD_NAME_LEN);
	),

	TP_printk("op=%s old=%s new=%s", __entry->op, __entry->old_policy,
		  __entry->new_policy)
);

#endif /* _BPF_TESTMOD_TRACE_H */

/* Outside the guard: define_trace.h reads this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE bpf_testmod-trace
#include <trace/define_trace.h>
