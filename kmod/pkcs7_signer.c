// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who signed a policy: the kernel verifies a PKCS#7 message against its
 * keyrings but offers no accessor for the signer (struct pkcs7_message is
 * private to crypto/asymmetric_keys).  After verify_pkcs7_signature() has
 * accepted a message, this walk reads the signer's subject key identifier
 * from the same bytes.  It is sound because the kernel found the
 * verifying key by that very identifier: with no certificates in the
 * message (refused here) there is no chain, only the key the SignerInfo
 * names.
 *
 * Only DER (definite lengths) is accepted: structops-load writes DER.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "pkcs7_signer.h"

enum {
	DER_INTEGER = 0x02,
	DER_OID = 0x06,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
	DER_CONTEXT_0 = 0xa0,	/* [0] constructed */
	DER_CONTEXT_1 = 0xa1,	/* [1] constructed */
	DER_SKID = 0x80,	/* [0] primitive: SignerIdentifier's SKID */
};

struct der {
	const u8 *p;
	size_t n;
};

/* Take the next TLV off d; its value in val, its tag in *tag. */
static int der_next(struct der *d, u8 *tag, struct der *val)
{
	size_t len, nbytes, i;

	if (d->n < 2)
		return -EBADMSG;
	*tag = d->p[0];
	len = d->p[1];
	d->p += 2;
	d->n -= 2;
	if (len & 0x80) {
		nbytes = len & 0x7f;
		/* 0 is BER's indefinite length; more than 4 is absurd here. */
		if (nbytes == 0 || nbytes > 4 || nbytes > d->n)
			return -EBADMSG;
		for (len = 0, i = 0; i < nbytes; i++)
			len = len << 8 | d->p[i];
		d->p += nbytes;
		d->n -= nbytes;
	}
	if (len > d->n)
		return -EBADMSG;
	val->p = d->p;
	val->n = len;
	d->p += len;
	d->n -= len;
	return 0;
}

/* The next TLV must have tag want. */
static int der_expect(struct der *d, u8 want, struct der *val)
{
	u8 tag;
	int ret = der_next(d, &tag, val);

	if (ret)
		return ret;
	return tag == want ? 0 : -EBADMSG;
}

int pkcs7_signer_skid(const u8 *der, size_t len, const u8 **skid,
		      size_t *skid_len)
{
	struct der msg = { der, len }, ci, explicit, sd, v, infos, info, sid;
	u8 tag;
	int ret;

	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } */
	ret = der_expect(&msg, DER_SEQUENCE, &ci);
	if (ret || msg.n)
		return -EBADMSG;
	ret = der_expect(&ci, DER_OID, &v) ?:
	      der_expect(&ci, DER_CONTEXT_0, &explicit) ?:
	      der_expect(&explicit, DER_SEQUENCE, &sd);
	if (ret || ci.n || explicit.n)
		return -EBADMSG;
	/*
	 * SignedData ::= SEQUENCE { version, digestAlgorithms SET,
	 *   encapContentInfo SEQUENCE, [0] certificates OPTIONAL,
	 *   [1] crls OPTIONAL, signerInfos SET }
	 */
	ret = der_expect(&sd, DER_INTEGER, &v) ?:
	      der_expect(&sd, DER_SET, &v) ?:
	      der_expect(&sd, DER_SEQUENCE, &v) ?:
	      der_next(&sd, &tag, &infos);
	if (ret || tag != DER_SET || sd.n)
		return -EBADMSG;	/* certificates, CRLs or trailing data */
	/* Exactly one SignerInfo ::= SEQUENCE { version, sid, ... } */
	ret = der_expect(&infos, DER_SEQUENCE, &info);
	if (ret || infos.n)
		return -EBADMSG;
	ret = der_expect(&info, DER_INTEGER, &v) ?:
	      der_expect(&info, DER_SKID, &sid);
	if (ret || !sid.n)
		return -EBADMSG;
	*skid = sid.p;
	*skid_len = sid.n;
	return 0;
}
