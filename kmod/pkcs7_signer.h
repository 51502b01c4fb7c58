/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _BPF_TESTMOD_PKCS7_SIGNER_H
#define _BPF_TESTMOD_PKCS7_SIGNER_H

#include <linux/types.h>

/*
 * The subject key identifier of a DER CMS SignedData's only signer: 0 and
 * *skid, *skid_len pointing into der; -EBADMSG if the message is not DER,
 * carries certificates or CRLs, has other than one SignerInfo, or names its
 * signer by issuer and serial number.  Pure: no kernel state, bounded (and
 * built in user space by tests/unit/pkcs7_signer_test.cpp).
 */
int pkcs7_signer_skid(const u8 *der, size_t len, const u8 **skid,
		      size_t *skid_len);

#endif /* _BPF_TESTMOD_PKCS7_SIGNER_H */
