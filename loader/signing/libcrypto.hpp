// OpenSSL's libcrypto, opened with dlopen() the first time a signature is
// made or read, not linked: only --sign and attaching a policy that has a
// .sig need it, and a process that maps libcrypto pays about 4,200 symbol
// relocations first (Debian links it with BIND_NOW), which was most of the
// loader's start-up (structops-load --version: 6.0 M instructions under
// callgrind, libcrypto's part about 3.1 M).  Policy digests do not need it
// (sha256.hpp).
//
// Each function the loader calls is a member of the same name and type as
// OpenSSL's own declaration (decltype), so a call reads as it would
// against the linked library: libcrypto().CMS_sign(...).  Nothing else in
// the loader may call OpenSSL directly: loader/CMakeLists.txt does not link
// libcrypto, so a direct call fails to link.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/stack.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/error.hpp"

// The functions, sorted; add one here before calling it.  (Macros such as
// BIO_get_mem_ptr and sk_X509_num expand to BIO_ctrl and OPENSSL_sk_*.)
#define STRUCTOPS_LIBCRYPTO_FUNCTIONS(X) \
  X(ASN1_STRING_get0_data)               \
  X(ASN1_STRING_length)                  \
  X(BIO_ctrl)                            \
  X(BIO_free_all)                        \
  X(BIO_new)                             \
  X(BIO_new_mem_buf)                     \
  X(BIO_s_mem)                           \
  X(CMS_ContentInfo_free)                \
  X(CMS_SignerInfo_get0_signer_id)       \
  X(CMS_add1_signer)                     \
  X(CMS_final)                           \
  X(CMS_get0_SignerInfos)                \
  X(CMS_get0_content)                    \
  X(CMS_get0_eContentType)               \
  X(CMS_get0_type)                       \
  X(CMS_get1_certs)                      \
  X(CMS_sign)                            \
  X(ERR_clear_error)                     \
  X(ERR_error_string_n)                  \
  X(ERR_peek_last_error)                 \
  X(EVP_PKEY_free)                       \
  X(EVP_sha256)                          \
  X(OBJ_obj2nid)                         \
  X(OPENSSL_sk_num)                      \
  X(OPENSSL_sk_pop_free)                 \
  X(OPENSSL_sk_value)                    \
  X(PEM_read_bio_PrivateKey)             \
  X(PEM_read_bio_X509)                   \
  X(X509_check_private_key)              \
  X(X509_free)                           \
  X(X509_get0_subject_key_id)            \
  X(d2i_CMS_bio)                         \
  X(d2i_PrivateKey_bio)                  \
  X(d2i_X509_bio)                        \
  X(i2d_CMS_bio)

namespace structops {

struct Libcrypto {
#define STRUCTOPS_LIBCRYPTO_MEMBER(name) decltype(&::name) name = nullptr;
  STRUCTOPS_LIBCRYPTO_FUNCTIONS(STRUCTOPS_LIBCRYPTO_MEMBER)
#undef STRUCTOPS_LIBCRYPTO_MEMBER
};

// libcrypto.so.<the major version built against>, opened on the first call
// and kept open; every function above found, or an unavailable error that
// names the library and says what needs it.  Thread-safe.
Result<const Libcrypto*> open_libcrypto();

// The table, for code that holds an OpenSSL object (so the library is
// open): the deleters in openssl_ptr.hpp.  Opens it if need be; aborts if
// it cannot, which only a caller that made no OpenSSL object can cause.
const Libcrypto& libcrypto();

}  // namespace structops
