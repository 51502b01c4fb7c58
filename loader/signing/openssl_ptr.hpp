// Owning pointers for OpenSSL objects, with stateless deleters, as
// libbpf_ptr.hpp does for libbpf's; the deleters call libcrypto through
// libcrypto.hpp's table (it is open: the object came from it).
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signing/libcrypto.hpp"

namespace structops {

struct BioDeleter {
  void operator()(BIO* b) const { libcrypto().BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { libcrypto().EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct X509Deleter {
  void operator()(X509* x) const { libcrypto().X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct CmsDeleter {
  void operator()(CMS_ContentInfo* c) const { libcrypto().CMS_ContentInfo_free(c); }
};
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsDeleter>;

}  // namespace structops
