// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_testmod - a kernel subsystem whose behaviour BPF policies replace live.
 *
 * The module registers the struct_ops type bpf_testmod_ops.  At most one
 * policy (a struct_ops map attached through a BPF link) is active at a time;
 * BPF_LINK_UPDATE replaces it atomically.  Writers publish the active ops
 * with rcu_assign_pointer() under ops_mutex, and every trigger takes one
 * rcu_dereference() snapshot, so a concurrent swap can never mix two
 * policies inside one trigger.  The struct_ops core frees an old map only
 * after an RCU (and RCU-tasks) grace period, so a snapshot taken under
 * rcu_read_lock() stays valid until rcu_read_unlock().
 *
 * /proc/bpf_testmod_trigger (root only) fires the callbacks and
 * /proc/bpf_testmod_status reports the results.  policy_trust.c decides
 * which programs may become callbacks when only signed policies may;
 * dispatch_bench.c times the dispatch for the "bench" verb.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/local_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include <structops/bpf_testmod.h>

#define CREATE_TRACE_POINTS
#include "bpf_testmod-trace.h"
#include "dispatch.h"
#include "dispatch_bench.h"
#include "policy_trust.h"

/*
 * checkpatch dislikes LINUX_VERSION_CODE; an out-of-tree module that DKMS
 * builds for several kernels has no other way to follow the API.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
#error "bpf_testmod needs Linux 6.9 or newer (module-registered struct_ops)"
#endif

static bool log_results = true;
module_param(log_results, bool, 0644);
MODULE_PARM_DESC(log_results, "Log each trigger's results to the kernel log (default: on)");

/* The active policy, or NULL for built-in behaviour. */
static struct bpf_testmod_ops __rcu *active_ops;
/* Serialises reg/unreg/update: the only writers of active_ops. */
static DEFINE_MUTEX(ops_mutex);

/*
 * Counters touched per trigger or per callback call are per-CPU: one
 * this_cpu_inc() (a single "inc %gs:..." on x86, no lock prefix, no shared
 * cache line) on the hot path, summed when the status file is read.  Each
 * CPU's count only grows, so successive reads of the sum never go down.
 */
struct testmod_stats {
	u64 triggers;		/* trigger writes that ran */
	u64 no_policy_triggers;	/* ... of which with no policy */
	u64 fallback_calls;	/* callbacks answered built-in */
};

static DEFINE_PER_CPU(struct testmod_stats, stats);

/* Policy changes: rare, under ops_mutex. */
static atomic64_t attaches, detaches, swaps;

/*
 * The last trigger's results, written whole as one record so that status
 * readers see one trigger and one policy only: a callback that trigger did
 * not call has no value here, not a value from an earlier trigger.
 */
struct trigger_record {
	u64 seq;
	char policy[BPF_TESTMOD_NAME_LEN];
	unsigned int called;	/* BPF_TESTMOD_TRACE_TEST_* */
	unsigned int builtin;	/* ... of which the built-in code answered */
	int test_1, test_2, test_3;
};

static DEFINE_SEQLOCK(last_trigger_lock);
static struct trigger_record last_trigger;

/* The name status shows for @ops: its own, "(unnamed)", or "none". */
void policy_name(const struct bpf_testmod_ops *ops, char *buf)
{
	if (!ops)
		strscpy(buf, "none", BPF_TESTMOD_NAME_LEN);
	else
		strscpy(buf, ops->name[0] ? ops->name : "(unnamed)",
			BPF_TESTMOD_NAME_LEN);
}

/* The active policy's ops, or NULL for built-in behaviour. */
const struct bpf_testmod_ops *testmod_active_ops(void)
{
	return rcu_dereference(active_ops);
}

/*
 * Built-in behaviour: what the subsystem does without a policy.  The
 * barrier()s in builtin_test_1() and builtin_test_2() keep them from
 * looking pure to the compiler, which would otherwise drop the calls whose
 * result is unused and leave the dispatch benchmark ("bench builtin ...")
 * timing an empty loop.  builtin_test_3() has none: the benchmark times
 * test_1 and test_2 only, and every trigger uses test_3's result.
 */
noinline int builtin_test_1(void)
{
	barrier();
	return 0;
}

noinline int builtin_test_2(int a, int b)
{
	barrier();
	/* Wrapping addition, defined behaviour in the kernel (-fwrapv). */
	return a + b;
}

static noinline int builtin_test_3(const char *buf, int len)
{
	return len;
}

/*
 * The per-call dispatch: the only code between a caller and a callback.
 * Out of line so that the benchmark times exactly this and so that a test
 * can check its disassembly: no lock prefix, no write to shared memory.
 */
noinline int call_test_1(const struct bpf_testmod_ops *ops)
{
	if (ops && ops->test_1)
		return ops->test_1();
	this_cpu_inc(stats.fallback_calls);
	return builtin_test_1();
}

noinline int call_test_2(const struct bpf_testmod_ops *ops, int a, int b)
{
	if (ops && ops->test_2)
		return ops->test_2(a, b);
	this_cpu_inc(stats.fallback_calls);
	return builtin_test_2(a, b);
}

/*
 * The test_3 call a policy is running on this CPU, for its kfunc
 * bpf_testmod_read_test_3_buf() (below): policies read test_3's buffer
 * through the module, which owns it, instead of bpf_probe_read_kernel(),
 * which lockdown=confidentiality refuses them.
 *
 * Why the kfunc can only ever read the buffer of its own caller's call:
 *  - call_test_3() fills the record under the CPU's local_lock and clears
 *    task before releasing it.  The lock pins the caller to this CPU
 *    (preemption off; on PREEMPT_RT migration off and a per-CPU sleeping
 *    lock, which the other tasks of this CPU wait for, with priority
 *    inheritance, and which may be taken under rcu_read_lock() there), so
 *    no other task can rewrite the record while the policy runs.
 *  - The kfunc copies only if task is current: only the lock holder sets
 *    task, to itself, and it is pinned to this CPU until it clears it.  A
 *    program run by test_1 or test_2, or by another task, sees NULL or
 *    another task and gets -ENODATA.
 *  - buf is trigger_write()'s own stack buffer: alive until call_test_3()
 *    returns, and len (at most BPF_TESTMOD_TRIGGER_MAX) bytes long.
 * Everything is per-CPU and written with this_cpu_*(): no shared cache
 * line and no atomic instruction in the per-call dispatch (kmod_hot_path_*
 * checks call_test_3()).  Without PREEMPT_RT the lock is preempt_disable();
 * with it, rt_spin_lock()'s compare-and-swap is on this CPU's own lock.
 */
struct test_3_call {
	local_lock_t lock;
	struct task_struct *task;	/* the caller; NULL between calls */
	const char *buf;
	u32 len;
};

static DEFINE_PER_CPU(struct test_3_call, test_3_call) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

static noinline int call_test_3(const struct bpf_testmod_ops *ops,
				 const char *buf, int len)
{
	int ret;

	if (ops && ops->test_3) {
		local_lock(&test_3_call.lock);
		this_cpu_write(test_3_call.buf, buf);
		this_cpu_write(test_3_call.len, len);
		this_cpu_write(test_3_call.task, current);
		ret = ops->test_3(buf, len);
		this_cpu_write(test_3_call.task, NULL);
		local_unlock(&test_3_call.lock);
		return ret;
	}
	this_cpu_inc(stats.fallback_calls);
	return builtin_test_3(buf, len);
}

/* What one trigger write asks for. */
enum trigger_op {
	TRIGGER_SEQUENCE,	/* test_1(), test_2(10, 20), test_3(P, len) */
	TRIGGER_TEST_1,
	TRIGGER_TEST_2,
	TRIGGER_TEST_3,
	TRIGGER_BENCH,		/* dispatch benchmark, dispatch_bench.c */
};

struct trigger {
	enum trigger_op op;
	int a, b;		/* test_2 arguments */
	const char *text;	/* test_3 buffer, NUL-terminated */
	int len;
	struct dispatch_bench bench;
};

/*
 * If @s starts with the word @word, return what follows it (past one
 * separating space), else NULL.
 */
static char *after_word(char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s, word, n))
		return NULL;
	if (!s[n])
		return s + n;
	return s[n] == ' ' ? s + n + 1 : NULL;
}

/* A decimal integer and nothing else (kstrto* would accept a '\n'). */
static int parse_int(const char *s, int *v)
{
	size_t n = strlen(s);

	if (!n || !isdigit(s[n - 1]))
		return -EINVAL;
	return kstrtoint(s, 10, v);
}

static int parse_test_2(char *args, struct trigger *t)
{
	char *a = strsep(&args, " "), *b = strsep(&args, " ");

	if (!a || !b || args || parse_int(a, &t->a) || parse_int(b, &t->b))
		return -EINVAL;
	t->op = TRIGGER_TEST_2;
	return 0;
}

/* @buf holds @len bytes and a NUL, and no other NUL. */
static int parse_trigger(char *buf, size_t len, struct trigger *t)
{
	char *args;

	memset(t, 0, sizeof(*t));
	args = after_word(buf, "test_1");
	if (args) {
		if (*args || args != buf + strlen("test_1"))
			return -EINVAL;
		t->op = TRIGGER_TEST_1;
		return 0;
	}
	args = after_word(buf, "test_2");
	if (args)
		return parse_test_2(args, t);
	args = after_word(buf, "test_3");
	if (args) {
		if (args == buf + strlen("test_3"))
			return -EINVAL;
		t->op = TRIGGER_TEST_3;
		t->text = args;
		t->len = len - (args - buf);
		return 0;
	}
	args = after_word(buf, "bench");
	if (args) {
		t->op = TRIGGER_BENCH;
		return dispatch_bench_parse(args, &t->bench);
	}
	t->op = TRIGGER_SEQUENCE;
	t->text = buf;
	t->len = len;
	return 0;
}

static void log_trigger(const struct trigger *t, bool attached,
			const struct trigger_record *r)
{
	if (!log_results)
		return;
	if (attached)
		pr_info("Calling struct_ops callbacks:\n");
	else
		pr_info("No struct_ops registered\n");
	if (t->op == TRIGGER_SEQUENCE || t->op == TRIGGER_TEST_1)
		pr_info("test_1() returned: %d\n", r->test_1);
	if (t->op == TRIGGER_SEQUENCE)
		pr_info("test_2(10, 20) returned: %d\n", r->test_2);
	else if (t->op == TRIGGER_TEST_2)
		pr_info("test_2(%d, %d) returned: %d\n", t->a, t->b, r->test_2);
	if (t->op == TRIGGER_SEQUENCE || t->op == TRIGGER_TEST_3)
		pr_info("test_3() called with buffer, returned: %d\n",
			r->test_3);
}

static void run_trigger(const struct trigger *t)
{
	bool do_1 = t->op == TRIGGER_SEQUENCE || t->op == TRIGGER_TEST_1;
	bool do_2 = t->op == TRIGGER_SEQUENCE || t->op == TRIGGER_TEST_2;
	bool do_3 = t->op == TRIGGER_SEQUENCE || t->op == TRIGGER_TEST_3;
	const struct bpf_testmod_ops *ops;
	struct trigger_record r = {};
	/* The sequence calls test_2(10, 20). */
	int a = t->op == TRIGGER_SEQUENCE ? 10 : t->a;
	int b = t->op == TRIGGER_SEQUENCE ? 20 : t->b;
	bool attached;

	r.called = (do_1 ? BPF_TESTMOD_TRACE_TEST_1 : 0) |
		   (do_2 ? BPF_TESTMOD_TRACE_TEST_2 : 0) |
		   (do_3 ? BPF_TESTMOD_TRACE_TEST_3 : 0);

	rcu_read_lock();
	ops = rcu_dereference(active_ops);
	attached = ops;
	policy_name(ops, r.policy);
	r.builtin = r.called &
		    ((!ops || !ops->test_1 ? BPF_TESTMOD_TRACE_TEST_1 : 0) |
		     (!ops || !ops->test_2 ? BPF_TESTMOD_TRACE_TEST_2 : 0) |
		     (!ops || !ops->test_3 ? BPF_TESTMOD_TRACE_TEST_3 : 0));
	if (do_1)
		r.test_1 = call_test_1(ops);
	if (do_2)
		r.test_2 = call_test_2(ops, a, b);
	if (do_3)
		r.test_3 = call_test_3(ops, t->text, t->len);
	rcu_read_unlock();

	this_cpu_inc(stats.triggers);
	if (!attached)
		this_cpu_inc(stats.no_policy_triggers);

	write_seqlock(&last_trigger_lock);
	r.seq = last_trigger.seq + 1;
	last_trigger = r;
	write_sequnlock(&last_trigger_lock);

	trace_bpf_testmod_trigger(r.seq, r.policy, r.called, r.builtin,
				  do_2 ? a : 0, do_2 ? b : 0,
				  do_3 ? t->text : "", do_3 ? t->len : 0,
				  r.test_1, r.test_2, r.test_3);
	log_trigger(t, attached, &r);
}

static ssize_t trigger_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[BPF_TESTMOD_TRIGGER_MAX + 2];	/* payload, '\n', NUL */
	struct trigger t;
	size_t len = count;
	int ret;

	if (!count)
		return 0;
	if (count > BPF_TESTMOD_TRIGGER_MAX + 1)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* The payload is a string: an embedded NUL would hide its tail. */
	if (len > BPF_TESTMOD_TRIGGER_MAX || strlen(buf) != len)
		return -EINVAL;

	ret = parse_trigger(buf, len, &t);
	if (ret)
		return ret;
	if (t.op == TRIGGER_BENCH) {
		ret = dispatch_bench_run(&t.bench);
		if (ret)
			return ret;
	} else {
		run_trigger(&t);
	}
	return count;
}

static const struct proc_ops trigger_proc_ops = {
	.proc_write = trigger_write,
	.proc_lseek = noop_llseek,
};

static void sum_stats(struct testmod_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct testmod_stats *s = per_cpu_ptr(&stats, cpu);

		sum->triggers += READ_ONCE(s->triggers);
		sum->no_policy_triggers += READ_ONCE(s->no_policy_triggers);
		sum->fallback_calls += READ_ONCE(s->fallback_calls);
	}
}

/* One callback's result in the last trigger, or that it was not called. */
static void show_result(struct seq_file *m, const struct trigger_record *r,
			unsigned int member, const char *name, int value)
{
	if (r->called & member)
		seq_printf(m, "last_%s: %d\n", name, value);
	else
		seq_printf(m, "last_%s: not called\n", name);
}

/* The callbacks of the last trigger that the built-in code answered. */
static void show_builtin(struct seq_file *m, unsigned int builtin)
{
	seq_puts(m, "last_builtin:");
	if (!builtin)
		seq_puts(m, " none");
	if (builtin & BPF_TESTMOD_TRACE_TEST_1)
		seq_puts(m, " test_1");
	if (builtin & BPF_TESTMOD_TRACE_TEST_2)
		seq_puts(m, " test_2");
	if (builtin & BPF_TESTMOD_TRACE_TEST_3)
		seq_puts(m, " test_3");
	seq_putc(m, '\n');
}

static int status_show(struct seq_file *m, void *v)
{
	char policy[BPF_TESTMOD_NAME_LEN];
	struct trigger_record r;
	struct testmod_stats st;
	unsigned int seq;

	rcu_read_lock();
	policy_name(rcu_dereference(active_ops), policy);
	rcu_read_unlock();

	do {
		seq = read_seqbegin(&last_trigger_lock);
		r = last_trigger;
	} while (read_seqretry(&last_trigger_lock, seq));
	sum_stats(&st);

	seq_printf(m, "policy: %s\n", policy);
	seq_printf(m, "triggers: %llu\n", st.triggers);
	seq_printf(m, "no_policy_triggers: %llu\n", st.no_policy_triggers);
	seq_printf(m, "fallback_calls: %llu\n", st.fallback_calls);
	seq_printf(m, "attaches: %lld\n", atomic64_read(&attaches));
	seq_printf(m, "detaches: %lld\n", atomic64_read(&detaches));
	seq_printf(m, "swaps: %lld\n", atomic64_read(&swaps));
	seq_printf(m, "last_seq: %llu\n", r.seq);
	seq_printf(m, "last_policy: %s\n", r.seq ? r.policy : "none");
	show_result(m, &r, BPF_TESTMOD_TRACE_TEST_1, "test_1", r.test_1);
	show_result(m, &r, BPF_TESTMOD_TRACE_TEST_2, "test_2", r.test_2);
	show_result(m, &r, BPF_TESTMOD_TRACE_TEST_3, "test_3", r.test_3);
	show_builtin(m, r.builtin);

	dispatch_bench_status(m);
	policy_trust_status(m);
	return 0;
}

/* The kfunc the module offers its policies */

/*
 * Global, not static, as kfuncs must be: the verifier and libbpf find one
 * by its name in BTF.  Only BPF programs call it, and this prototype tells
 * sparse so.
 */
int bpf_testmod_read_test_3_buf(char *dst, u32 dst__sz);

__bpf_kfunc_start_defs();

/**
 * bpf_testmod_read_test_3_buf - copy the buffer of the test_3 call running
 * @dst: where to copy it
 * @dst__sz: size of @dst (the verifier checks that @dst has that many bytes)
 *
 * For a bpf_testmod_ops program, from inside its test_3 callback: copy the
 * first bytes of the buffer the module passed to that very call, at most
 * @dst__sz and at most the call's len.  Nothing is NUL-terminated.
 *
 * Return: the number of bytes copied, or -ENODATA when the caller is not
 * inside a test_3 call of the current task (e.g. from test_1).
 */
__bpf_kfunc int bpf_testmod_read_test_3_buf(char *dst, u32 dst__sz)
{
	/* BPF programs run with migration disabled: this CPU stays ours. */
	const struct test_3_call *call = this_cpu_ptr(&test_3_call);
	u32 n;

	/* See struct test_3_call for why this is enough. */
	if (READ_ONCE(call->task) != current)
		return -ENODATA;
	n = min(dst__sz, call->len);
	/* Without KF_TRUSTED_ARGS a maybe-NULL pointer passes the verifier. */
	if (!dst)
		return n ? -EINVAL : 0;
	memcpy(dst, call->buf, n);
	return n;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(bpf_testmod_kfunc_ids)
BTF_ID_FLAGS(func, bpf_testmod_read_test_3_buf)
BTF_KFUNCS_END(bpf_testmod_kfunc_ids)

/* The module's BTF, as the struct_ops core gave it to .init. */
static struct btf *testmod_btf;

/*
 * The kfuncs are for this module's policies only: registered for
 * BPF_PROG_TYPE_STRUCT_OPS, they would otherwise be offered to every
 * struct_ops type (tcp_congestion_ops, sched_ext_ops...).  A struct_ops
 * program names its type by attach_btf and attach_btf_id, set from
 * BPF_PROG_LOAD's attributes before the verifier runs, which refuses the
 * load unless they name a struct_ops type registered in that BTF; the
 * module's BTF has exactly one, bpf_testmod_ops.  (The type id itself is
 * not compared: with a distilled base BTF, pahole >= 1.28 for out-of-tree
 * modules, the kernel renumbers the module's types at load time.)  The
 * filter is only asked about the kfuncs of this module's BTF.
 */
static int bpf_testmod_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	struct btf *btf = READ_ONCE(testmod_btf);

	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS || !btf ||
	    prog->aux->attach_btf != btf)
		return -EACCES;
	return 0;
}

static const struct btf_kfunc_id_set bpf_testmod_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &bpf_testmod_kfunc_ids,
	.filter = bpf_testmod_kfunc_filter,
};

/* struct_ops glue */

static int bpf_testmod_ops_init(struct btf *btf)
{
	WRITE_ONCE(testmod_btf, btf);
	return 0;
}

static bool bpf_testmod_ops_is_valid_access(int off, int size,
					    enum bpf_access_type type,
					    const struct bpf_prog *prog,
					    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

/*
 * Helpers such as the map helpers come from bpf_base_func_proto(),
 * exported to modules only since 6.12.  On 6.9 to 6.11 policies get no
 * helpers at all: they still attach and swap, but the ones that keep
 * statistics fail to verify there.  Reading test_3's buffer needs no
 * helper: bpf_testmod_read_test_3_buf() does it.  bpf_probe_read_kernel,
 * which policies built before that kfunc use, stays offered:
 * bpf_base_func_proto() itself withholds it where lockdown forbids reading
 * kernel memory (lockdown=confidentiality).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
/*
 * Of the base set, two are withheld, as the kernel's own bpf_qdisc
 * withholds tail calls from its struct_ops:
 *  - bpf_tail_call: a callback tail-calling a program of another member
 *    would run it on this member's argument frame (test_3's buffer read as
 *    test_2's integers), and a signed policy's digest cannot cover the
 *    programs a prog array holds;
 *  - bpf_trace_printk / bpf_trace_vprintk (bpf_printk): the shared
 *    trace_pipe and the kernel's "trace_printk() being used" banner are
 *    for debugging kernels, not for policies on production machines;
 *    policies report through their globals (structops-load --status) and
 *    the module's tracepoints.
 */
static const struct bpf_func_proto *
bpf_testmod_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_tail_call:
	case BPF_FUNC_trace_printk:
	case BPF_FUNC_trace_vprintk:
		return NULL;
	default:
		return bpf_base_func_proto(func_id, prog);
	}
}
#else
static const struct bpf_func_proto *
bpf_testmod_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return NULL;
}
#endif

static const struct bpf_verifier_ops bpf_testmod_verifier_ops = {
	.get_func_proto = bpf_testmod_get_func_proto,
	.is_valid_access = bpf_testmod_ops_is_valid_access,
};

static int check_name(const char *name)
{
	size_t len = strnlen(name, BPF_TESTMOD_NAME_LEN);
	size_t i;

	if (len == BPF_TESTMOD_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isprint(name[i]))
			return -EINVAL;
	return 0;
}

/*
 * What a program for each member may be, decided at BPF_PROG_LOAD: the
 * kernel calls this for every struct_ops program, with the member it is
 * for, and refuses the load if it returns an error (the verifier logs
 * "attach to unsupported member <member> of struct bpf_testmod_ops").
 *
 * Every callback runs inside rcu_read_lock() (run_trigger(), bench_chunk()),
 * where nothing may block, preemptible RCU (PREEMPT_RT) included.  A
 * sleepable program ("struct_ops.s/") may call helpers and kfuncs that
 * sleep, so no member takes one.  The flag lives in struct bpf_prog since
 * 6.9 ("bpf: move sleepable flag from bpf_prog_aux to bpf_prog", in the
 * same merge window as BPF arenas), before that in bpf_prog_aux; the
 * module needs 6.9, so prog->sleepable is right for every kernel it
 * builds for (6.9 to 7.3, checked in their sources and BTF).
 *
 * The other member-level properties a struct_ops type can constrain from
 * 6.9 to 7.3, and what this module decides for each:
 *  - A member whose CFI stub is NULL is "unsupported" (6.12+): every
 *    function member has a real stub below, so all three are supported.
 *  - check_member may also set prog->aux->priv_stack_requested (6.13+: a
 *    private JIT stack for deeply nested callers): not requested, the
 *    callbacks run from a write() system call with a shallow stack.
 *  - The program type of each member comes from its stub's prototype
 *    (prog->aux->attach_func_proto); nothing more to check there.  Stub
 *    argument suffixes (__nullable, __ref) are not used: test_3's buffer
 *    is never NULL and no argument is a referenced kernel object.
 *  - Return values are not restricted: each member returns any int, and
 *    the callers use it only as data.
 *  - Helpers: get_func_proto offers bpf_base_func_proto() without
 *    bpf_tail_call and bpf_printk (see there); kfuncs marked
 *    KF_SLEEPABLE are refused by the verifier in a non-sleepable program.
 *  - GPL compatibility is the verifier's rule for all struct_ops programs.
 *  - bpf_testmod is a module: .owner makes every map and link of this type
 *    hold a module reference, and the verifier looks the member up in the
 *    module's BTF, so nothing here depends on being built in.
 */
static int bpf_testmod_ops_check_member(const struct btf_type *t,
					const struct btf_member *member,
					const struct bpf_prog *prog)
{
	if (prog->sleepable)
		return -EINVAL;
	return policy_trust_check(READ_ONCE(testmod_btf), t, member, prog);
}

/* Data members are ours to copy; function members are the core's. */
static int bpf_testmod_ops_init_member(const struct btf_type *t,
				       const struct btf_member *member,
				       void *kdata, const void *udata)
{
	const struct bpf_testmod_ops *uops = udata;
	struct bpf_testmod_ops *kops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	if (moff != offsetof(struct bpf_testmod_ops, name))
		return 0;
	if (check_name(uops->name)) {
		pr_warn("policy name is not a printable NUL-terminated string of at most %d bytes\n",
			BPF_TESTMOD_NAME_LEN - 1);
		return -EINVAL;
	}
	strscpy(kops->name, uops->name, sizeof(kops->name));
	return 1;
}

/* A policy that implements nothing is a mistake, not a policy. */
static int bpf_testmod_ops_validate(void *kdata)
{
	const struct bpf_testmod_ops *ops = kdata;

	if (!ops->test_1 && !ops->test_2 && !ops->test_3)
		return -EINVAL;
	return 0;
}

/* The swap tracepoint, with both policies' status names. */
static void trace_swap(const char *op, const struct bpf_testmod_ops *old_ops,
		       const struct bpf_testmod_ops *new_ops)
{
	char old_name[BPF_TESTMOD_NAME_LEN], new_name[BPF_TESTMOD_NAME_LEN];

	if (!trace_bpf_testmod_swap_enabled())
		return;
	policy_name(old_ops, old_name);
	policy_name(new_ops, new_name);
	trace_bpf_testmod_swap(op, old_name, new_name);
}

static int testmod_reg(void *kdata)
{
	int ret = 0;

	mutex_lock(&ops_mutex);
	if (rcu_access_pointer(active_ops)) {
		ret = -EBUSY;
	} else {
		rcu_assign_pointer(active_ops, kdata);
		atomic64_inc(&attaches);
		trace_swap("reg", NULL, kdata);
	}
	mutex_unlock(&ops_mutex);
	return ret;
}

static void testmod_unreg(void *kdata)
{
	mutex_lock(&ops_mutex);
	if (rcu_access_pointer(active_ops) == kdata) {
		RCU_INIT_POINTER(active_ops, NULL);
		atomic64_inc(&detaches);
		trace_swap("unreg", kdata, NULL);
	}
	mutex_unlock(&ops_mutex);
}

static int testmod_update(void *kdata, void *old_kdata)
{
	int ret = 0;

	mutex_lock(&ops_mutex);
	if (rcu_access_pointer(active_ops) != old_kdata) {
		ret = -ENOENT;
	} else {
		rcu_assign_pointer(active_ops, kdata);
		atomic64_inc(&swaps);
		trace_swap("update", old_kdata, kdata);
	}
	mutex_unlock(&ops_mutex);
	return ret;
}

/* The link argument appeared in 6.11; the module needs nothing from it. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static int bpf_testmod_ops_reg(void *kdata, struct bpf_link *link)
{
	return testmod_reg(kdata);
}

static void bpf_testmod_ops_unreg(void *kdata, struct bpf_link *link)
{
	testmod_unreg(kdata);
}

static int bpf_testmod_ops_update(void *kdata, void *old_kdata,
				  struct bpf_link *link)
{
	return testmod_update(kdata, old_kdata);
}
#else
static int bpf_testmod_ops_reg(void *kdata)
{
	return testmod_reg(kdata);
}

static void bpf_testmod_ops_unreg(void *kdata)
{
	testmod_unreg(kdata);
}

static int bpf_testmod_ops_update(void *kdata, void *old_kdata)
{
	return testmod_update(kdata, old_kdata);
}
#endif

/*
 * CFI stubs: the kernel takes each member's prototype from these, and a
 * NULL stub marks the member unsupported (6.12+).  They are never called.
 */
static int bpf_testmod_ops__test_1(void)
{
	return 0;
}

static int bpf_testmod_ops__test_2(int a, int b)
{
	return 0;
}

static int bpf_testmod_ops__test_3(const char *buf, int len)
{
	return 0;
}

static struct bpf_testmod_ops __bpf_testmod_ops = {
	.test_1 = bpf_testmod_ops__test_1,
	.test_2 = bpf_testmod_ops__test_2,
	.test_3 = bpf_testmod_ops__test_3,
};

static struct bpf_struct_ops bpf_testmod_struct_ops = {
	.verifier_ops = &bpf_testmod_verifier_ops,
	.init = bpf_testmod_ops_init,
	.check_member = bpf_testmod_ops_check_member,
	.init_member = bpf_testmod_ops_init_member,
	.validate = bpf_testmod_ops_validate,
	.reg = bpf_testmod_ops_reg,
	.unreg = bpf_testmod_ops_unreg,
	.update = bpf_testmod_ops_update,
	.cfi_stubs = &__bpf_testmod_ops,
	.name = BPF_TESTMOD_OPS_TYPE,
	.owner = THIS_MODULE,
};

static struct proc_dir_entry *trigger_entry, *status_entry;

static int __init bpf_testmod_init(void)
{
	int ret;

	trigger_entry = proc_create(BPF_TESTMOD_TRIGGER_NAME, 0200, NULL,
				    &trigger_proc_ops);
	if (!trigger_entry)
		return -ENOMEM;
	status_entry = proc_create_single(BPF_TESTMOD_STATUS_NAME, 0444, NULL,
					  status_show);
	if (!status_entry) {
		ret = -ENOMEM;
		goto err_remove_trigger;
	}
	/* Before the type: no policy may load before enforcement can work. */
	ret = policy_trust_init();
	if (ret)
		goto err_remove_status;

	/*
	 * Last, because neither a kfunc set nor a struct_ops type can be
	 * unregistered: both live in the module's BTF and go away with it,
	 * also when this init fails.  The kfuncs first, so that no policy is
	 * ever verified against a type whose kfuncs are missing.  Without
	 * BTF the type's registration fails, and so must we.
	 */
	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&bpf_testmod_kfunc_set);
	if (ret) {
		pr_err("cannot register the kfuncs of bpf_testmod_ops (%d)\n",
		       ret);
		goto err_remove_trust;
	}
	ret = register_bpf_struct_ops(&bpf_testmod_struct_ops, bpf_testmod_ops);
	if (ret) {
		pr_err("cannot register struct_ops type bpf_testmod_ops (%d): was the module built with BTF?\n",
		       ret);
		goto err_remove_trust;
	}
	pr_info("loaded: struct_ops type bpf_testmod_ops registered\n");
	return 0;

err_remove_trust:
	policy_trust_exit();
err_remove_status:
	proc_remove(status_entry);
err_remove_trigger:
	proc_remove(trigger_entry);
	return ret;
}

static void __exit bpf_testmod_exit(void)
{
	policy_trust_exit();
	proc_remove(status_entry);
	proc_remove(trigger_entry);
	pr_info("unloaded\n");
}

module_init(bpf_testmod_init);
module_exit(bpf_testmod_exit);

MODULE_AUTHOR("structops developers");
MODULE_DESCRIPTION("struct_ops type bpf_testmod_ops: kernel behaviour replaced live by BPF policies");
MODULE_LICENSE("GPL");
