/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel dispatch benchmark: "bench [builtin|ctable] test_1|test_2
 * CALLS" written to /proc/bpf_testmod_trigger times CALLS callback
 * invocations inside the kernel, so that the figure is the dispatch cost
 * and not that of a write() system call.  See dispatch_bench.c.
 */
#ifndef _BPF_TESTMOD_DISPATCH_BENCH_H
#define _BPF_TESTMOD_DISPATCH_BENCH_H

#include <linux/seq_file.h>
#include <linux/types.h>

struct dispatch_bench {
	int member;		/* 1 or 2 */
	bool builtin;		/* time the built-in C call instead */
	bool ctable;		/* ... or call it through a C ops table */
	u32 calls;
};

/* Parses what follows "bench "; -EINVAL for anything else. */
int dispatch_bench_parse(char *args, struct dispatch_bench *b);
/* Runs it; -EINTR when interrupted by a fatal signal. */
int dispatch_bench_run(const struct dispatch_bench *b);
/* The last run's bench_* status lines, if any run finished. */
void dispatch_bench_status(struct seq_file *m);

#endif /* _BPF_TESTMOD_DISPATCH_BENCH_H */
