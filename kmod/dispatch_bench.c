// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dispatch benchmark ("bench" verb of /proc/bpf_testmod_trigger): times
 * callback invocations through the module's own dispatch (dispatch.h), the
 * built-in C call, or a C ops table, inside the kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/compiler.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <structops/bpf_testmod.h>

#include "dispatch.h"
#include "dispatch_bench.h"

enum { BENCH_MAX_CALLS = 100000000, BENCH_CHUNK = 4096 };

/* The last benchmark run. */
struct bench_result {
	char op[8];
	char target[BPF_TESTMOD_NAME_LEN];
	u64 calls;
	u64 ns;
};

static DEFINE_MUTEX(bench_mutex);	/* one benchmark at a time */
/* Not bench_mutex: status never waits for a benchmark run. */
static DEFINE_SPINLOCK(last_bench_lock);
static struct bench_result last_bench;

/*
 * The built-in behaviour as a C ops table, for the benchmark only ("bench
 * ctable ..."): the same dispatch as a policy's, through the same helpers,
 * with C functions behind the pointers.  It is what a compiled-in subsystem
 * would run, the fair peer of a struct_ops call.  Read with READ_ONCE() so
 * the compiler cannot turn the indirect calls into direct ones.
 *
 * The functions are copies of builtin_test_N(): taking a function's address
 * gives it an endbr64 landing pad (IBT), which an indirect call target
 * needs and the directly called built-in code does not.  no_icf keeps GCC
 * from folding the copies back into the originals (-fipa-icf).
 */
#if __has_attribute(__no_icf__)
#define __no_icf __attribute__((__no_icf__))
#else
#define __no_icf
#endif

static noinline __no_icf int ctable_test_1(void)
{
	barrier();
	return 0;
}

static noinline __no_icf int ctable_test_2(int a, int b)
{
	barrier();
	return a + b;
}

static noinline __no_icf int ctable_test_3(const char *buf, int len)
{
	return len;
}

static const struct bpf_testmod_ops builtin_ops = {
	.test_1 = ctable_test_1,
	.test_2 = ctable_test_2,
	.test_3 = ctable_test_3,
	.name = "ctable",
};

static const struct bpf_testmod_ops *ctable_ops = &builtin_ops;

/* "[builtin|ctable] test_1|test_2 CALLS" */
int dispatch_bench_parse(char *args, struct dispatch_bench *b)
{
	char *w = strsep(&args, " ");

	memset(b, 0, sizeof(*b));
	b->builtin = w && !strcmp(w, "builtin");
	b->ctable = w && !strcmp(w, "ctable");
	if (b->builtin || b->ctable)
		w = strsep(&args, " ");
	if (!w || !args)
		return -EINVAL;
	if (!strcmp(w, "test_1"))
		b->member = 1;
	else if (!strcmp(w, "test_2"))
		b->member = 2;
	else
		return -EINVAL;
	if (!isdigit(args[0]) || !isdigit(args[strlen(args) - 1]) ||
	    kstrtou32(args, 10, &b->calls) || !b->calls ||
	    b->calls > BENCH_MAX_CALLS)
		return -EINVAL;
	return 0;
}

/*
 * One chunk of benchmark calls against one snapshot of the active ops.
 * One loop per callback, with nothing else in it: the figures include the
 * loop, and a test of b->member in each round would be reloaded from
 * memory after every call (the compiler cannot know the call leaves it
 * alone), two instructions a call on every row.
 */
static void bench_chunk(const struct dispatch_bench *b, u32 n)
{
	const struct bpf_testmod_ops *ops;
	u32 i;

	if (b->builtin) {
		if (b->member == 1)
			for (i = 0; i < n; i++)
				builtin_test_1();
		else
			for (i = 0; i < n; i++)
				builtin_test_2(i, 1);
		return;
	}
	rcu_read_lock();
	if (b->ctable)
		ops = READ_ONCE(ctable_ops);
	else
		ops = testmod_active_ops();
	if (b->member == 1)
		for (i = 0; i < n; i++)
			call_test_1(ops);
	else
		for (i = 0; i < n; i++)
			call_test_2(ops, i, 1);
	rcu_read_unlock();
}

/*
 * Calls run in chunks with a reschedule point in between: a long benchmark
 * must not hold an RCU read-side section or the CPU for seconds.
 */
int dispatch_bench_run(const struct dispatch_bench *b)
{
	struct bench_result r = {};
	u32 done, n;
	u64 start;

	if (mutex_lock_interruptible(&bench_mutex))
		return -EINTR;
	start = ktime_get_ns();
	for (done = 0; done < b->calls; done += n) {
		n = min_t(u32, BENCH_CHUNK, b->calls - done);
		bench_chunk(b, n);
		if (fatal_signal_pending(current)) {
			mutex_unlock(&bench_mutex);
			return -EINTR;
		}
		cond_resched();
	}
	r.ns = ktime_get_ns() - start;
	mutex_unlock(&bench_mutex);

	strscpy(r.op, b->member == 1 ? "test_1" : "test_2", sizeof(r.op));
	if (b->builtin) {
		strscpy(r.target, "builtin", sizeof(r.target));
	} else if (b->ctable) {
		strscpy(r.target, "ctable", sizeof(r.target));
	} else {
		rcu_read_lock();
		policy_name(testmod_active_ops(), r.target);
		rcu_read_unlock();
	}
	r.calls = b->calls;
	spin_lock(&last_bench_lock);
	last_bench = r;
	spin_unlock(&last_bench_lock);
	return 0;
}

void dispatch_bench_status(struct seq_file *m)
{
	struct bench_result b;

	spin_lock(&last_bench_lock);
	b = last_bench;
	spin_unlock(&last_bench_lock);
	if (!b.calls)
		return;
	seq_printf(m, "bench_op: %s\n", b.op);
	seq_printf(m, "bench_target: %s\n", b.target);
	seq_printf(m, "bench_calls: %llu\n", b.calls);
	seq_printf(m, "bench_ns: %llu\n", b.ns);
}
