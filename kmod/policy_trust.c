// SPDX-License-Identifier: GPL-2.0-only
/*
 * Signed policies.  The kernel calls .check_member for every program that
 * wants to be a bpf_testmod_ops callback, before the verifier runs it; so
 * the module that owns the type can refuse any program no trusted key has
 * signed, whichever tool loads it.
 *
 * A program's digest is SHA-256 over its instructions as check_member sees
 * them, normalised so that what differs per load or per kernel (map
 * addresses, the kfunc's BTF id and address) does not change it and every
 * other instruction does; structops-load --sign computes the same digest
 * from the object file (docs/design/signed-policies.md has the rules).
 *
 * A signature (/proc/bpf_testmod_trust) is a CMS message whose attached
 * content lists a policy's (member, digest) pairs; verify_pkcs7_signature()
 * checks it against the keys the kernel trusts for modules, and only then
 * are the pairs parsed and added to the trusted set.  With
 * require_signed_policies on, check_member refuses every program whose
 * pair is not in the set.  Both parameters latch: once on (or pinned),
 * only unloading the module, which detaches the policy and is logged,
 * turns them off.
 *
 * Nothing here is on the per-call path: it runs at BPF_PROG_LOAD, at
 * signature writes and at status reads, all in process context, under
 * trust_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/ctype.h>
#include <linux/hex.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/verification.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include <structops/bpf_testmod.h>

#include "policy_trust.h"

#ifndef CONFIG_SYSTEM_DATA_VERIFICATION
#error "bpf_testmod needs CONFIG_SYSTEM_DATA_VERIFICATION (verify_pkcs7_signature) for signed policies"
#endif

/* A subject key identifier is at most a SHA-256's size in practice. */
#define SKID_MAX 32
#define SKID_HEX (2 * SKID_MAX + 1)

struct trusted_prog {
	struct list_head node;
	u32 member_off;			/* offsetof() in struct bpf_testmod_ops */
	u8 digest[SHA256_DIGEST_SIZE];
	char signer[SKID_HEX];		/* hex SKID */
	char policy[BPF_TESTMOD_TRUST_POLICY_LEN];
};

/* The members a manifest may name, by their offsets check_member sees. */
static const struct {
	const char *name;
	u32 off;
} members[] = {
	{ "test_1", offsetof(struct bpf_testmod_ops, test_1) },
	{ "test_2", offsetof(struct bpf_testmod_ops, test_2) },
	{ "test_3", offsetof(struct bpf_testmod_ops, test_3) },
};

/* Serialises the set, the latches and the last-digest record. */
static DEFINE_MUTEX(trust_mutex);
static LIST_HEAD(trusted);
static unsigned int trusted_count;
static u64 refused_loads;
static struct {
	const char *member;
	u8 digest[SHA256_DIGEST_SIZE];
	bool digested;
} last;
static struct proc_dir_entry *trust_entry;

static bool require_signed;
static char policy_signer[SKID_HEX];

static const char *member_name(u32 off)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(members); i++)
		if (members[i].off == off)
			return members[i].name;
	return "?";
}

/* One-way: 0 -> 1 and 1 -> 1; 1 -> 0 is refused until the module unloads. */
static int require_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&trust_mutex);
	if (require_signed && !on) {
		pr_warn("require_signed_policies stays on until the module is unloaded\n");
		ret = -EPERM;
	} else if (on && !require_signed) {
		WRITE_ONCE(require_signed, true);
		pr_info("require_signed_policies: only signed policies load from now on\n");
	}
	mutex_unlock(&trust_mutex);
	return ret;
}

static int require_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", READ_ONCE(require_signed) ? 'Y' : 'N');
}

static const struct kernel_param_ops require_ops = {
	.set = require_set,
	.get = require_get,
};
module_param_cb(require_signed_policies, &require_ops, NULL, 0644);
MODULE_PARM_DESC(require_signed_policies,
		 "Refuse every policy program no trusted key signed; cannot be turned off while loaded (default: off)");

/* Empty -> a hex SKID once; any later change is refused. */
static int signer_set(const char *val, const struct kernel_param *kp)
{
	char pin[SKID_HEX];
	size_t len = strcspn(val, "\n"), i;
	int ret = 0;

	if (!len)
		return 0;
	if (len % 2 || len >= sizeof(pin))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!isxdigit(val[i]))
			return -EINVAL;
		pin[i] = tolower(val[i]);
	}
	pin[len] = '\0';
	mutex_lock(&trust_mutex);
	if (policy_signer[0] && strcmp(policy_signer, pin)) {
		pr_warn("policy_signer stays %s until the module is unloaded\n",
			policy_signer);
		ret = -EPERM;
	} else if (!policy_signer[0]) {
		strscpy(policy_signer, pin, sizeof(policy_signer));
		pr_info("policy_signer: only signatures by key %s are trusted from now on\n",
			policy_signer);
	}
	mutex_unlock(&trust_mutex);
	return ret;
}

static int signer_get(char *buf, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&trust_mutex);
	ret = sysfs_emit(buf, "%s\n", policy_signer);
	mutex_unlock(&trust_mutex);
	return ret;
}

static const struct kernel_param_ops signer_ops = {
	.set = signer_set,
	.get = signer_get,
};
module_param_cb(policy_signer, &signer_ops, NULL, 0644);
MODULE_PARM_DESC(policy_signer,
		 "Trust only signatures by this key (subject key identifier, hex); cannot be changed while loaded");

/* Little-endian and field by field, so that no bitfield layout matters. */
static void encode_insn(u8 *out, const struct bpf_insn *insn)
{
	out[0] = insn->code;
	out[1] = insn->dst_reg | insn->src_reg << 4;
	put_unaligned_le16(insn->off, out + 2);
	put_unaligned_le32(insn->imm, out + 4);
}

/*
 * Normalise prog's instructions into out (8 bytes each); NULL, or why the
 * program cannot be signed.  The table in docs/design/signed-policies.md,
 * kernel side: check_member runs after resolve_pseudo_ldimm64() (map and
 * ksym immediates already hold addresses) and before any rewrite.
 */
static const char *normalise(const struct btf *btf, const struct bpf_prog *prog,
			     u8 *out)
{
	const unsigned long kfunc = (unsigned long)bpf_testmod_read_test_3_buf;
	const struct btf_type *t;
	struct bpf_insn a, b;
	u32 i;
	u64 addr;

	for (i = 0; i < prog->len; i++) {
		a = prog->insnsi[i];
		if (a.code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (i + 1 == prog->len)
				return "ends inside an ld_imm64";
			b = prog->insnsi[i + 1];
			switch (a.src_reg) {
			case BPF_PSEUDO_MAP_FD:
			case BPF_PSEUDO_MAP_IDX:
				a.src_reg = BPF_PSEUDO_MAP_FD;
				a.imm = b.imm = 0;
				break;
			case BPF_PSEUDO_MAP_VALUE:
			case BPF_PSEUDO_MAP_IDX_VALUE:
				a.src_reg = BPF_PSEUDO_MAP_VALUE;
				a.imm = b.imm = 0;
				break;
			case BPF_PSEUDO_BTF_ID:
				addr = (u32)a.imm | (u64)(u32)b.imm << 32;
				if (addr != kfunc)
					return "takes the address of a kernel symbol other than the module's kfunc";
				a.imm = BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF;
				b.imm = 0;
				break;
			case 0:
			case BPF_PSEUDO_FUNC:
				break;
			default:
				return "has an ld_imm64 of an unknown kind";
			}
			encode_insn(out + 8 * i, &a);
			encode_insn(out + 8 * ++i, &b);
			continue;
		}
		if (a.code == (BPF_JMP | BPF_CALL)) {
			switch (a.src_reg) {
			case 0:
				/*
				 * libbpf loads bpf_probe_read_kernel{,_str} as
				 * bpf_probe_read{,_str} where its probe of the
				 * former fails, as under lockdown=confidentiality
				 * (dead code there: the kfunc reads the buffer):
				 * one name for both, as user space digests it.
				 */
				if (a.imm == BPF_FUNC_probe_read)
					a.imm = BPF_FUNC_probe_read_kernel;
				else if (a.imm == BPF_FUNC_probe_read_str)
					a.imm = BPF_FUNC_probe_read_kernel_str;
				break;
			case BPF_PSEUDO_KFUNC_CALL:
				/*
				 * off != 0: a module's kfunc; the verifier then
				 * allows only the kfuncs registered for that
				 * module's BTF, and this module registers one.
				 * Which BTF the fd_array slot names is invisible
				 * here (docs/design/signed-policies.md).
				 */
				t = btf_type_by_id(btf, a.imm);
				if (!a.off || !t || !btf_type_is_func(t))
					return "calls a kfunc other than the module's";
				a.imm = BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF;
				a.off = 0;
				break;
			default:
				return "calls another BPF function (not signable in v1)";
			}
		} else if (a.code == (BPF_JMP | BPF_JA | BPF_X)) {
			return "has an indirect jump";
		}
		encode_insn(out + 8 * i, &a);
	}
	return NULL;
}

/* SHA-256 of the normalised program: 0, -ENOMEM, or -EINVAL and *why. */
static int prog_digest(const struct btf *btf, const struct bpf_prog *prog,
		       u8 *digest, const char **why)
{
	u8 *buf = kvmalloc_array(prog->len, sizeof(struct bpf_insn), GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	*why = normalise(btf, prog, buf);
	if (!*why)
		sha256(buf, prog->len * sizeof(struct bpf_insn), digest);
	kvfree(buf);
	return *why ? -EINVAL : 0;
}

static bool is_trusted(u32 member_off, const u8 *digest)
{
	const struct trusted_prog *e;

	lockdep_assert_held(&trust_mutex);
	list_for_each_entry(e, &trusted, node)
		if (e->member_off == member_off &&
		    !memcmp(e->digest, digest, SHA256_DIGEST_SIZE) &&
		    (!policy_signer[0] || !strcmp(e->signer, policy_signer)))
			return true;
	return false;
}

int policy_trust_check(const struct btf *btf, const struct btf_type *t,
		       const struct btf_member *member,
		       const struct bpf_prog *prog)
{
	u32 moff = __btf_member_bit_offset(t, member) / 8;
	const char *why = NULL;
	u8 digest[SHA256_DIGEST_SIZE];
	int ret = prog_digest(btf, prog, digest, &why);

	mutex_lock(&trust_mutex);
	last.member = member_name(moff);
	last.digested = !ret;
	if (!ret)
		memcpy(last.digest, digest, sizeof(digest));
	if (!require_signed) {
		ret = 0;	/* today's behaviour: the digest is only shown */
	} else if (ret == -EINVAL) {
		ret = -EKEYREJECTED;
	} else if (!ret && !is_trusted(moff, digest)) {
		why = policy_signer[0] ? "not signed by the pinned key" :
					  "not signed by a trusted key";
		ret = -EKEYREJECTED;
	}
	if (ret)
		refused_loads++;
	mutex_unlock(&trust_mutex);
	if (ret == -EKEYREJECTED)
		pr_warn_ratelimited("refused program %s for %s: %s (require_signed_policies)\n",
				    prog->aux->name, member_name(moff), why);
	return ret;
}

/* What the verified content of one signature holds. */
struct manifest {
	char policy[BPF_TESTMOD_TRUST_POLICY_LEN];
	unsigned int count;
	struct {
		u32 member_off;
		u8 digest[SHA256_DIGEST_SIZE];
	} progs[BPF_TESTMOD_TRUST_MAX_PROGS];
};

/* Take one "\n"-terminated line off *p; NULL at the end or if unterminated. */
static const char *next_line(const char **p, const char *end, size_t *len)
{
	const char *line = *p, *nl;

	if (line == end)
		return NULL;
	nl = memchr(line, '\n', end - line);
	if (!nl)
		return NULL;
	*len = nl - line;
	*p = nl + 1;
	return line;
}

static bool line_is(const char *line, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(line, want, len);
}

static int parse_prog(const char *line, size_t len, struct manifest *m)
{
	static const char prefix[] = "prog ";
	const char *name = line + strlen(prefix), *sp;
	size_t i;

	if (len <= strlen(prefix) || memcmp(line, prefix, strlen(prefix)))
		return -EBADMSG;
	sp = memchr(name, ' ', line + len - name);
	if (!sp || line + len - (sp + 1) != 2 * SHA256_DIGEST_SIZE)
		return -EBADMSG;
	if (m->count == BPF_TESTMOD_TRUST_MAX_PROGS)
		return -E2BIG;
	for (i = 0; i < ARRAY_SIZE(members); i++)
		if (line_is(name, sp - name, members[i].name))
			break;
	if (i == ARRAY_SIZE(members))
		return -EBADMSG;
	for (sp++; sp < line + len; sp++)	/* lowercase hex only */
		if (!isdigit(*sp) && !(*sp >= 'a' && *sp <= 'f'))
			return -EBADMSG;
	m->progs[m->count].member_off = members[i].off;
	if (hex2bin(m->progs[m->count].digest, line + len - 2 * SHA256_DIGEST_SIZE,
		    SHA256_DIGEST_SIZE))
		return -EBADMSG;
	m->count++;
	return 0;
}

/*
 * view_content callback: runs only after the signature verified, on the
 * signed bytes.  The grammar is strict and every line bounded.
 */
static int parse_manifest(void *ctx, const void *data, size_t len,
			  size_t asn1hdrlen)
{
	struct manifest *m = ctx;
	const char *p = data, *end = p + len, *line;
	size_t n, i;
	int ret;

	line = next_line(&p, end, &n);
	if (!line || !line_is(line, n, BPF_TESTMOD_MANIFEST_MAGIC))
		return -EBADMSG;
	line = next_line(&p, end, &n);
	if (!line || !line_is(line, n, "type " BPF_TESTMOD_OPS_TYPE))
		return -EBADMSG;
	line = next_line(&p, end, &n);
	if (!line || n <= 7 || n - 7 >= sizeof(m->policy) || memcmp(line, "policy ", 7))
		return -EBADMSG;
	for (i = 7; i < n; i++)
		if (!isalnum(line[i]) && !strchr("_.-", line[i]))
			return -EBADMSG;
	memcpy(m->policy, line + 7, n - 7);
	m->policy[n - 7] = '\0';
	while ((line = next_line(&p, end, &n))) {
		ret = parse_prog(line, n, m);
		if (ret)
			return ret;
	}
	return p == end && m->count ? 0 : -EBADMSG;
}

static int verify_signature(const void *sig, size_t len, struct manifest *m)
{
	int ret = verify_pkcs7_signature(NULL, 0, sig, len,
					 VERIFY_USE_SECONDARY_KEYRING,
					 VERIFYING_UNSPECIFIED_SIGNATURE,
					 parse_manifest, m);

	/* The same fallback as module signatures: keys in UEFI db. */
	if (ret == -ENOKEY && IS_ENABLED(CONFIG_INTEGRITY_PLATFORM_KEYRING)) {
		memset(m, 0, sizeof(*m));
		ret = verify_pkcs7_signature(NULL, 0, sig, len,
					     VERIFY_USE_PLATFORM_KEYRING,
					     VERIFYING_UNSPECIFIED_SIGNATURE,
					     parse_manifest, m);
	}
	return ret;
}

/* All of m, or nothing: -ENOSPC past the set's bound. */
static int trust_manifest(const struct manifest *m, const char *signer)
{
	struct trusted_prog *add[BPF_TESTMOD_TRUST_MAX_PROGS] = {};
	unsigned int i, n = 0;
	int ret = 0;

	for (i = 0; i < m->count; i++) {
		add[i] = kzalloc(sizeof(*add[i]), GFP_KERNEL);
		if (!add[i]) {
			ret = -ENOMEM;
			goto out;
		}
		add[i]->member_off = m->progs[i].member_off;
		memcpy(add[i]->digest, m->progs[i].digest, SHA256_DIGEST_SIZE);
		strscpy(add[i]->signer, signer, sizeof(add[i]->signer));
		strscpy(add[i]->policy, m->policy, sizeof(add[i]->policy));
	}
	mutex_lock(&trust_mutex);
	if (policy_signer[0] && strcmp(signer, policy_signer)) {
		ret = -EKEYREJECTED;
	} else if (trusted_count + m->count > BPF_TESTMOD_TRUST_MAX_ENTRIES) {
		ret = -ENOSPC;
	} else {
		for (i = 0; i < m->count; i++) {
			const struct trusted_prog *e;
			bool dup = false;

			list_for_each_entry(e, &trusted, node)
				dup |= e->member_off == add[i]->member_off &&
				       !memcmp(e->digest, add[i]->digest, SHA256_DIGEST_SIZE) &&
				       !strcmp(e->signer, add[i]->signer);
			if (dup)
				continue;
			list_add_tail(&add[i]->node, &trusted);
			add[i] = NULL;
			trusted_count++;
			n++;
		}
	}
	mutex_unlock(&trust_mutex);
	if (!ret)
		pr_info("trusted %u new of %u programs of policy %s, signed by key %s\n",
			n, m->count, m->policy, signer);
out:
	for (i = 0; i < m->count; i++)
		kfree(add[i]);
	return ret;
}

static void forget_all(void)
{
	struct trusted_prog *e, *tmp;

	mutex_lock(&trust_mutex);
	list_for_each_entry_safe(e, tmp, &trusted, node) {
		list_del(&e->node);
		kfree(e);
	}
	trusted_count = 0;
	mutex_unlock(&trust_mutex);
}

static const char *refusal(int err)
{
	switch (err) {
	case -ENOKEY:
		return "signed by a key the kernel does not trust";
	case -EKEYREJECTED:
		return "signature does not match its content, or the key is not the pinned one";
	case -ENOPKG:
		return "signature algorithm not supported by this kernel";
	case -ENOSPC:
		return "the trusted set is full (reload the module)";
	case -EKEYREVOKED:
		return "signed by a revoked key";
	default:
		return "malformed signature or manifest";
	}
}

/*
 * One write() carries one whole .sig: bounded before anything is
 * allocated, verified before anything of its content is parsed.  "clear"
 * forgets every signature (it only ever removes trust).
 */
static ssize_t trust_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char signer[SKID_HEX];
	struct manifest *m;
	const u8 *skid;
	size_t skid_len;
	void *sig;
	int ret;

	if (!count || *ppos)
		return -EINVAL;
	if (count > BPF_TESTMOD_TRUST_MAX)
		return -EFBIG;
	sig = memdup_user(ubuf, count);
	if (IS_ERR(sig))
		return PTR_ERR(sig);
	if ((count == 5 || count == 6) && !memcmp(sig, "clear\n", count)) {
		forget_all();
		pr_info("trusted set cleared\n");
		ret = count;
		goto out_free_sig;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		ret = -ENOMEM;
		goto out_free_sig;
	}
	ret = verify_signature(sig, count, m);
	if (!ret && (pkcs7_signer_skid(sig, count, &skid, &skid_len) ||
		     skid_len > SKID_MAX))
		ret = -EBADMSG;
	if (!ret) {
		bin2hex(signer, skid, skid_len);
		signer[2 * skid_len] = '\0';
		ret = trust_manifest(m, signer);
	}
	if (ret)
		pr_warn_ratelimited("refused policy signature: %s (%d)\n",
				    refusal(ret), ret);
	else
		ret = count;
	kfree(m);
out_free_sig:
	kfree(sig);
	return ret;
}

static int trust_show(struct seq_file *s, void *v)
{
	const struct trusted_prog *e;

	mutex_lock(&trust_mutex);
	list_for_each_entry(e, &trusted, node)
		seq_printf(s, "%s %*phN signer=%s policy=%s\n",
			   member_name(e->member_off), SHA256_DIGEST_SIZE,
			   e->digest, e->signer, e->policy);
	mutex_unlock(&trust_mutex);
	return 0;
}

static int trust_open(struct inode *inode, struct file *file)
{
	return single_open(file, trust_show, NULL);
}

static const struct proc_ops trust_proc_ops = {
	.proc_open = trust_open,
	.proc_read = seq_read,
	.proc_write = trust_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

void policy_trust_status(struct seq_file *m)
{
	mutex_lock(&trust_mutex);
	seq_printf(m, "require_signed_policies: %d\n", require_signed);
	seq_printf(m, "policy_signer: %s\n", policy_signer[0] ? policy_signer : "-");
	seq_printf(m, "trusted_programs: %u\n", trusted_count);
	seq_printf(m, "refused_loads: %llu\n", refused_loads);
	if (!last.member)
		seq_puts(m, "last_digest: none\n");
	else if (!last.digested)
		seq_printf(m, "last_digest: %s -\n", last.member);
	else
		seq_printf(m, "last_digest: %s %*phN\n", last.member,
			   SHA256_DIGEST_SIZE, last.digest);
	mutex_unlock(&trust_mutex);
}

int policy_trust_init(void)
{
	trust_entry = proc_create(BPF_TESTMOD_TRUST_NAME, 0600, NULL,
				  &trust_proc_ops);
	return trust_entry ? 0 : -ENOMEM;
}

void policy_trust_exit(void)
{
	proc_remove(trust_entry);
	forget_all();
	if (READ_ONCE(require_signed))
		pr_info("require_signed_policies ends with the module\n");
}
