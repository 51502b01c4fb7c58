#include "signing/policy_signature.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <structops/bpf_testmod.h>

#include "bpf/policy_lookup.hpp"
#include "common/unique_fd.hpp"
#include "signing/libcrypto.hpp"
#include "signing/openssl_ptr.hpp"
#include "signing/policy_digest.hpp"
#include "signing/policy_manifest.hpp"
#include "system/atomic_file.hpp"

namespace structops {
namespace {

// The layout the module expects (design note, "Signature file"): sign-file's
// flags without CMS_DETACHED (the manifest travels inside) and with the
// signer named by key id, which is what a pin compares.
constexpr unsigned kSignFlags =
    CMS_NOCERTS | CMS_NOATTR | CMS_BINARY | CMS_NOSMIMECAP | CMS_USE_KEYID;

// Keys and certificates are a few KiB; the bound only stops a wrong path
// (a device, a huge file) from being read whole.
constexpr off_t kMaxKeyFile = 1 << 20;

// OpenSSL's reason for the last failure, and its queue emptied so that a
// later failure does not report this one.
std::string openssl_reason() {
  const Libcrypto& ssl = libcrypto();
  const unsigned long e = ssl.ERR_peek_last_error();
  char buf[256] = "unknown error";
  if (e)
    ssl.ERR_error_string_n(e, buf, sizeof(buf));
  ssl.ERR_clear_error();
  return buf;
}

// A whole file, refused past `max` bytes before reading it.  Errors say
// "cannot read <what> <path>: <reason>" plus `hint`.
Result<std::vector<uint8_t>> read_bounded(const std::string& path, off_t max,
                                          const std::string& what, const std::string& hint) {
  auto failure = [&](int err) {
    const ErrorKind kind = (err == EACCES || err == EPERM) ? ErrorKind::not_permitted
                           : err == ENOENT                 ? ErrorKind::usage
                                                           : ErrorKind::other;
    Error e = errno_error(kind, err, "cannot read " + what + " " + path);
    e.message += hint;
    return e;
  };
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0)
    return failure(errno);
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::usage, what + " " + path + " is not a regular file" + hint);
  if (st.st_size > max)
    return make_error(ErrorKind::invalid_policy, what + " " + path + " is " +
                                                     std::to_string(st.st_size) +
                                                     " bytes, more than " + std::to_string(max));
  std::vector<uint8_t> data(st.st_size);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return failure(errno);
    if (n == 0)
      break;  // shrank while read: the bytes that are there
    done += n;
  }
  data.resize(done);
  return data;
}

BioPtr memory_bio(const std::vector<uint8_t>& data) {
  const Libcrypto& ssl = libcrypto();
  return BioPtr(ssl.BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// PEM or DER, as the kernel's sign-file reads_x509() accepts.
Result<X509Ptr> load_certificate(const std::string& path) {
  const Libcrypto& ssl = libcrypto();
  auto data = read_bounded(path, kMaxKeyFile, "signing certificate",
                           "; pass --cert, or run as root to use DKMS's certificate");
  if (!data)
    return std::move(data).error();
  X509Ptr cert(ssl.PEM_read_bio_X509(memory_bio(*data).get(), nullptr, nullptr, nullptr));
  if (!cert)
    cert.reset(ssl.d2i_X509_bio(memory_bio(*data).get(), nullptr));
  if (!cert)
    return make_error(ErrorKind::usage, "signing certificate " + path +
                                            " is not an X.509 certificate in PEM or DER (" +
                                            openssl_reason() + ")");
  ssl.ERR_clear_error();  // the PEM attempt's failure, for a DER certificate
  return cert;
}

// Unencrypted PEM (DKMS's mok.key) or DER.  Never prompts for a
// passphrase: the postinst has no terminal.
Result<PkeyPtr> load_private_key(const std::string& path) {
  const Libcrypto& ssl = libcrypto();
  auto data = read_bounded(path, kMaxKeyFile, "signing key",
                           "; pass --key, or run as root to use DKMS's key");
  if (!data)
    return std::move(data).error();
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  PkeyPtr key(ssl.PEM_read_bio_PrivateKey(memory_bio(*data).get(), nullptr, no_passphrase, nullptr));
  if (!key)
    key.reset(ssl.d2i_PrivateKey_bio(memory_bio(*data).get(), nullptr));
  if (!key)
    return make_error(ErrorKind::usage, "signing key " + path +
                                            " is not an unencrypted private key in PEM or DER (" +
                                            openssl_reason() + ")");
  ssl.ERR_clear_error();
  return key;
}

Result<std::string> skid_of(const X509* cert, const std::string& path) {
  const Libcrypto& ssl = libcrypto();
  const ASN1_OCTET_STRING* skid = ssl.X509_get0_subject_key_id(const_cast<X509*>(cert));
  if (!skid || ssl.ASN1_STRING_length(skid) <= 0)
    return make_error(ErrorKind::usage,
                      "certificate " + path +
                          " has no subject key identifier, by which a policy signature names "
                          "its signer; use a certificate that has one (openssl req -x509 adds it)");
  return lower_hex(ssl.ASN1_STRING_get0_data(skid), ssl.ASN1_STRING_length(skid));
}

Error invalid_signature(const std::string& why) {
  return make_error(ErrorKind::invalid_policy, "policy signature: " + why);
}

}  // namespace

std::string signature_path(const std::string& object_path) {
  return object_path + ".sig";
}

Result<std::vector<uint8_t>> sign_manifest(const std::string& manifest, const std::string& key_path,
                                           const std::string& cert_path) {
  auto opened = open_libcrypto();
  if (!opened)
    return std::move(opened).error();
  const Libcrypto& ssl = **opened;
  auto key = load_private_key(key_path);
  if (!key)
    return std::move(key).error();
  auto cert = load_certificate(cert_path);
  if (!cert)
    return std::move(cert).error();
  if (auto skid = skid_of(cert->get(), cert_path); !skid)
    return std::move(skid).error();
  if (ssl.X509_check_private_key(cert->get(), key->get()) != 1) {
    ssl.ERR_clear_error();
    return make_error(ErrorKind::usage,
                      "signing key " + key_path + " does not belong to certificate " + cert_path);
  }

  auto failed = [](const char* step) {
    return make_error(ErrorKind::other,
                      std::string("cannot sign the policy: ") + step + ": " + openssl_reason());
  };
  CmsPtr cms(ssl.CMS_sign(nullptr, nullptr, nullptr, nullptr, kSignFlags | CMS_PARTIAL));
  if (!cms)
    return failed("CMS_sign");
  if (!ssl.CMS_add1_signer(cms.get(), cert->get(), key->get(), ssl.EVP_sha256(), kSignFlags))
    return failed("CMS_add1_signer");
  BioPtr content(ssl.BIO_new_mem_buf(manifest.data(), static_cast<int>(manifest.size())));
  if (!content || !ssl.CMS_final(cms.get(), content.get(), nullptr, kSignFlags))
    return failed("CMS_final");
  // DER (definite lengths), not sign-file's streamed BER: the module's
  // signer walk then needs no indefinite-length handling.
  BioPtr out(ssl.BIO_new(ssl.BIO_s_mem()));
  if (!out || !ssl.i2d_CMS_bio(out.get(), cms.get()))
    return failed("i2d_CMS_bio");
  BUF_MEM* mem = nullptr;
  ssl.BIO_ctrl(out.get(), BIO_C_GET_BUF_MEM_PTR, 0, &mem);
  return std::vector<uint8_t>(mem->data, mem->data + mem->length);
}

Result<void> sign_policy(const std::string& object_path, const std::string& key_path,
                         const std::string& cert_path) {
  auto digests = compute_policy_digests(object_path);
  if (!digests)
    return std::move(digests).error();
  auto manifest = make_manifest(policy_name_from_path(object_path), *digests);
  if (!manifest)
    return std::move(manifest).error();
  auto der = sign_manifest(*manifest, key_path, cert_path);
  if (!der)
    return std::move(der).error();
  if (der->size() > BPF_TESTMOD_TRUST_MAX)
    return make_error(ErrorKind::invalid_policy, "the signature of " + object_path + " would be " +
                                                     std::to_string(der->size()) +
                                                     " bytes, more than the module's " +
                                                     std::to_string(BPF_TESTMOD_TRUST_MAX));
  const std::string_view bytes(reinterpret_cast<const char*>(der->data()), der->size());
  return write_file_atomically(signature_path(object_path), bytes, 0644);
}

Result<SignatureInfo> parse_signature(const std::vector<uint8_t>& der) {
  if (der.size() > BPF_TESTMOD_TRUST_MAX)
    return invalid_signature(std::to_string(der.size()) + " bytes, more than the module's " +
                             std::to_string(BPF_TESTMOD_TRUST_MAX));
  auto opened = open_libcrypto();
  if (!opened)
    return std::move(opened).error();
  const Libcrypto& ssl = **opened;
  CmsPtr cms(ssl.d2i_CMS_bio(memory_bio(der).get(), nullptr));
  if (!cms) {
    return invalid_signature("not a DER CMS message (" + openssl_reason() + ")");
  }
  if (ssl.OBJ_obj2nid(ssl.CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return invalid_signature("not a CMS SignedData");
  if (ssl.OBJ_obj2nid(ssl.CMS_get0_eContentType(cms.get())) != NID_pkcs7_data)
    return invalid_signature("signed content is not pkcs7-data");
  ASN1_OCTET_STRING** content = ssl.CMS_get0_content(cms.get());
  if (!content || !*content)
    return invalid_signature("no attached content (a detached signature?)");
  STACK_OF(X509)* certs = ssl.CMS_get1_certs(cms.get());
  // sk_X509_num and sk_X509_pop_free, spelt out: they are macros over
  // the OPENSSL_sk_ functions, which the table has.
  auto* cert_stack = reinterpret_cast<OPENSSL_STACK*>(certs);
  const int ncerts = cert_stack ? ssl.OPENSSL_sk_num(cert_stack) : 0;
  ssl.OPENSSL_sk_pop_free(cert_stack, reinterpret_cast<OPENSSL_sk_freefunc>(ssl.X509_free));
  if (ncerts > 0)
    return invalid_signature("carries " + std::to_string(ncerts) +
                             " certificate(s); the module accepts none");
  const auto* signers = reinterpret_cast<const OPENSSL_STACK*>(ssl.CMS_get0_SignerInfos(cms.get()));
  const int nsigners = signers ? ssl.OPENSSL_sk_num(signers) : 0;
  if (nsigners != 1)
    return invalid_signature("has " + std::to_string(nsigners) +
                             " signers; the module accepts exactly one");
  ASN1_OCTET_STRING* keyid = nullptr;
  X509_NAME* issuer = nullptr;
  ASN1_INTEGER* serial = nullptr;
  auto* signer = static_cast<CMS_SignerInfo*>(ssl.OPENSSL_sk_value(signers, 0));
  if (!ssl.CMS_SignerInfo_get0_signer_id(signer, &keyid, &issuer,
                                     &serial) ||
      !keyid || ssl.ASN1_STRING_length(keyid) <= 0)
    return invalid_signature(
        "the signer is named by issuer and serial number, not by subject key identifier");

  SignatureInfo info;
  info.manifest.assign(reinterpret_cast<const char*>(ssl.ASN1_STRING_get0_data(*content)),
                       ssl.ASN1_STRING_length(*content));
  info.signer_skid = lower_hex(ssl.ASN1_STRING_get0_data(keyid), ssl.ASN1_STRING_length(keyid));
  return info;
}

Result<SignatureInfo> read_signature(const std::string& sig_path) {
  auto der = read_bounded(sig_path, BPF_TESTMOD_TRUST_MAX, "policy signature", "");
  if (!der)
    return std::move(der).error();
  auto info = parse_signature(*der);
  if (!info) {
    Error e = std::move(info).error();
    e.message = sig_path + ": " + e.message;
    return e;
  }
  return info;
}

Result<std::string> certificate_skid(const std::string& cert_path) {
  if (auto opened = open_libcrypto(); !opened)
    return std::move(opened).error();
  auto cert = load_certificate(cert_path);
  if (!cert)
    return std::move(cert).error();
  return skid_of(cert->get(), cert_path);
}

}  // namespace structops
