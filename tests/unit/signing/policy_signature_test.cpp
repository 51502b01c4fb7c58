#include "signing/policy_signature.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <structops/bpf_testmod.h>

#include "bpf/libbpf_log.hpp"
#include "signing/openssl_ptr.hpp"
#include "signing/policy_digest.hpp"
#include "signing/policy_manifest.hpp"
#include "test_util.hpp"

extern "C" {
#include "pkcs7_signer.h"
}

namespace structops {
namespace {

namespace fs = std::filesystem;

// --- The manifest ---------------------------------------------------------

const std::string kDigestA(64, 'a');
const std::string kDigestB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string manifest_text(const std::string& progs) {
  return std::string(BPF_TESTMOD_MANIFEST_MAGIC) + "\ntype " BPF_TESTMOD_OPS_TYPE "\npolicy p\n" +
         progs;
}

std::string parse_error(const std::string& text) {
  auto m = parse_manifest(text);
  EXPECT_FALSE(m) << "accepted:\n" << text;
  if (m)
    return {};
  EXPECT_EQ(m.error().kind, ErrorKind::invalid_policy);
  return m.error().message;
}

TEST(PolicyManifestTest, IsTheDocumentedLinesAndNothingElse) {
  auto text = make_manifest("stats", {{"test_1", "p1", kDigestA}, {"test_3", "p3", kDigestB}});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text,
            "structops-signed-policy 1\n"
            "type bpf_testmod_ops\n"
            "policy stats\n"
            "prog test_1 " +
                kDigestA +
                "\n"
                "prog test_3 " +
                kDigestB + "\n");
}

TEST(PolicyManifestTest, RoundTrips) {
  auto text = make_manifest("my-policy.v2", {{"test_2", "p", kDigestB}});
  ASSERT_TRUE(text);
  auto m = parse_manifest(*text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->policy, "my-policy.v2");
  ASSERT_EQ(m->programs.size(), 1u);
  EXPECT_EQ(m->programs[0].member, "test_2");
  EXPECT_EQ(m->programs[0].digest, kDigestB);
}

TEST(PolicyManifestTest, APolicyNameTheGrammarCannotCarryIsRefused) {
  EXPECT_FALSE(make_manifest("has space", {{"test_1", "p", kDigestA}}));
  EXPECT_FALSE(make_manifest("", {{"test_1", "p", kDigestA}}));
  EXPECT_TRUE(make_manifest(std::string(BPF_TESTMOD_TRUST_POLICY_LEN - 1, 'x'),
                            {{"test_1", "p", kDigestA}}));
  auto too_long =
      make_manifest(std::string(BPF_TESTMOD_TRUST_POLICY_LEN, 'x'), {{"test_1", "p", kDigestA}});
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().kind, ErrorKind::invalid_policy);
  EXPECT_FALSE(make_manifest("p", {}));
}

TEST(PolicyManifestTest, StrictParsingRefusesEveryDeviation) {
  const std::string good = "prog test_1 " + kDigestA + "\n";
  ASSERT_TRUE(parse_manifest(manifest_text(good)));
  EXPECT_NE(parse_error("structops-signed-policy 2\ntype bpf_testmod_ops\npolicy p\n" + good)
                .find("line 1"),
            std::string::npos);
  EXPECT_NE(parse_error(manifest_text("prog test_1 " + std::string(64, 'A') + "\n"))
                .find("line 4: digest is not 64 lowercase hex digits"),
            std::string::npos);
  parse_error(manifest_text("prog test_1 " + std::string(63, 'a') + "\n"));
  parse_error(manifest_text("prog test_1 " + std::string(63, 'a') + "g\n"));
  parse_error(manifest_text(good) + "x");                          // trailing garbage
  parse_error(manifest_text(good) + "\n");                         // a blank line
  parse_error(manifest_text("prog test_1 " + kDigestA + "\r\n"));  // CRLF
  parse_error("structops-signed-policy 1\r\ntype bpf_testmod_ops\r\npolicy p\r\n" + good);
  parse_error(manifest_text("prog  test_1 " + kDigestA + "\n"));  // two spaces
  parse_error(manifest_text("prog 1test " + kDigestA + "\n"));
  parse_error(manifest_text("kfunc bpf_testmod_read_test_3_buf\n" + good));  // v2 only
  parse_error(manifest_text(good + good));                                   // twice
  parse_error(manifest_text(""));                                            // no prog
  parse_error("structops-signed-policy 1\ntype other_ops\npolicy p\n" + good);
  parse_error("structops-signed-policy 1\ntype bpf_testmod_ops\npolicy a/b\n" + good);
}

TEST(PolicyManifestTest, AtMostTheModulesNumberOfPrograms) {
  std::string progs;
  for (int i = 0; i < BPF_TESTMOD_TRUST_MAX_PROGS; i++)
    progs += "prog m" + std::to_string(i) + " " + kDigestA + "\n";
  ASSERT_TRUE(parse_manifest(manifest_text(progs)));
  EXPECT_NE(parse_error(manifest_text(progs + "prog extra " + kDigestA + "\n"))
                .find("more than " + std::to_string(BPF_TESTMOD_TRUST_MAX_PROGS) + " programs"),
            std::string::npos);
}

TEST(PolicyManifestTest, NamesTheFirstDifferingProgram) {
  Manifest a{"p", {{"test_1", kDigestA}, {"test_2", kDigestA}}};
  Manifest b = a;
  EXPECT_EQ(first_difference(a, b), "");
  b.programs[1].digest = kDigestB;
  EXPECT_EQ(first_difference(a, b), "test_2");
  b.programs.push_back({"test_3", kDigestA});
  b.programs[1].digest = kDigestA;
  EXPECT_EQ(first_difference(a, b), "test_3");
}

// --- Signing ----------------------------------------------------------------

// A throwaway RSA key and self-signed certificate, as `openssl req -x509`
// makes them (with a subject key identifier unless told otherwise).
struct KeyPair {
  PkeyPtr key;
  X509Ptr cert;
};

KeyPair make_key_pair(bool with_skid) {
  KeyPair p;
  p.key.reset(EVP_RSA_gen(2048));
  p.cert.reset(X509_new());
  X509* x = p.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, p.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("structops unit test"), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  if (with_skid) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, p.key.get(), EVP_sha256());
  return p;
}

void write_key_pem(const KeyPair& p, const std::string& path) {
  BioPtr out(BIO_new_file(path.c_str(), "wb"));
  ASSERT_TRUE(out && PEM_write_bio_PrivateKey(out.get(), p.key.get(), nullptr, nullptr, 0, nullptr,
                                              nullptr));
}

void write_cert(const KeyPair& p, const std::string& path, bool der) {
  BioPtr out(BIO_new_file(path.c_str(), "wb"));
  ASSERT_TRUE(out);
  ASSERT_TRUE(der ? i2d_X509_bio(out.get(), p.cert.get())
                  : PEM_write_bio_X509(out.get(), p.cert.get()));
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  const std::string s = test::read_file(path);
  return std::vector<uint8_t>(s.begin(), s.end());
}

class PolicySignatureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    install_libbpf_logger(false);
    pair_ = new KeyPair(make_key_pair(true));
  }
  static void TearDownTestSuite() {
    delete pair_;
    pair_ = nullptr;
  }

  void SetUp() override {
    key_ = dir_ / "mok.key";
    cert_der_ = dir_ / "mok.pub";
    cert_pem_ = dir_ / "mok.pem";
    write_key_pem(*pair_, key_);
    write_cert(*pair_, cert_der_, true);
    write_cert(*pair_, cert_pem_, false);
    object_ = dir_ / "sign_map.bpf.o";
    fs::copy_file(test::test_object("sign_map"), object_);
  }

  static KeyPair* pair_;
  test::TempDir dir_;
  std::string key_, cert_der_, cert_pem_, object_;
};

KeyPair* PolicySignatureTest::pair_ = nullptr;

TEST_F(PolicySignatureTest, WritesTheSigNextToTheObjectReadableByAll) {
  auto signed_ = sign_policy(object_, key_, cert_der_);
  ASSERT_TRUE(signed_) << signed_.error().message;
  EXPECT_EQ(signature_path(object_), object_ + ".sig");
  struct stat st;
  ASSERT_EQ(stat(signature_path(object_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // Nothing left behind: only the object, its .sig and the key files.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path()))
    files++;
  EXPECT_EQ(files, 5);
}

TEST_F(PolicySignatureTest, IsDerCmsWithTheManifestAttachedSignedByKeyIdAndNothingElse) {
  ASSERT_TRUE(sign_policy(object_, key_, cert_der_));
  const std::vector<uint8_t> der = read_bytes(signature_path(object_));
  ASSERT_GT(der.size(), 4u);
  EXPECT_EQ(der[0], 0x30);  // SEQUENCE
  EXPECT_NE(der[1], 0x80);  // definite length (BER's indefinite form is 0x80)
  EXPECT_LE(der.size(), static_cast<size_t>(BPF_TESTMOD_TRUST_MAX));

  BioPtr in(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
  CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
  ASSERT_TRUE(cms);
  EXPECT_EQ(OBJ_obj2nid(CMS_get0_type(cms.get())), NID_pkcs7_signed);
  EXPECT_EQ(OBJ_obj2nid(CMS_get0_eContentType(cms.get())), NID_pkcs7_data);
  STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
  EXPECT_EQ(certs ? sk_X509_num(certs) : 0, 0);
  sk_X509_pop_free(certs, X509_free);
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  ASSERT_EQ(sk_CMS_SignerInfo_num(signers), 1);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
  EXPECT_LE(CMS_signed_get_attr_count(si), 0);  // -1: no signed attributes at all
  X509_ALGOR* digest = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest, nullptr);
  ASSERT_TRUE(digest);
  EXPECT_EQ(OBJ_obj2nid(digest->algorithm), NID_sha256);
  ASN1_OCTET_STRING* keyid = nullptr;
  ASSERT_TRUE(CMS_SignerInfo_get0_signer_id(si, &keyid, nullptr, nullptr));
  ASSERT_TRUE(keyid);
  auto skid = certificate_skid(cert_der_);
  ASSERT_TRUE(skid) << skid.error().message;
  EXPECT_EQ(lower_hex(ASN1_STRING_get0_data(keyid), ASN1_STRING_length(keyid)), *skid);

  // The content is the manifest of the object's digests.
  auto digests = compute_policy_digests(object_);
  ASSERT_TRUE(digests);
  auto manifest = make_manifest("sign_map", *digests);
  ASSERT_TRUE(manifest);
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  ASSERT_TRUE(content && *content);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)),
                        ASN1_STRING_length(*content)),
            *manifest);

  // And it verifies with the certificate the kernel would hold.
  STACK_OF(X509)* trusted = sk_X509_new_null();
  sk_X509_push(trusted, pair_->cert.get());
  BioPtr out(BIO_new(BIO_s_mem()));
  EXPECT_EQ(CMS_verify(cms.get(), trusted, nullptr, nullptr, out.get(),
                       CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY),
            1);
  sk_X509_free(trusted);
}

TEST_F(PolicySignatureTest, ReadsBackTheManifestAndTheSigner) {
  ASSERT_TRUE(sign_policy(object_, key_, cert_pem_));  // a PEM certificate works too
  auto info = read_signature(signature_path(object_));
  ASSERT_TRUE(info) << info.error().message;
  auto skid = certificate_skid(cert_pem_);
  ASSERT_TRUE(skid);
  EXPECT_EQ(info->signer_skid, *skid);
  EXPECT_EQ(skid->size(), 40u);  // SHA-1 of the key, openssl's "hash" method
  auto m = parse_manifest(info->manifest);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->policy, "sign_map");
  ASSERT_EQ(m->programs.size(), 2u);
  EXPECT_EQ(m->programs[0].member, "test_1");
}

TEST_F(PolicySignatureTest, AMissingKeyIsOneLineThatSaysWhatToDo) {
  const std::string missing = dir_ / "nope.key";
  auto r = sign_policy(object_, missing, cert_der_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_EQ(r.error().message, "cannot read signing key " + missing +
                                   ": No such file or directory; pass --key, or run as root "
                                   "to use DKMS's key");
  EXPECT_FALSE(fs::exists(signature_path(object_)));
}

// A key its reader may not read (DKMS's mok.key is root's, mode 0600).
// Root reads everything: as root (the test machines) the reading runs in
// a child that gave up root first.
TEST_F(PolicySignatureTest, AnUnreadableKeyIsOneLineThatSaysWhatToDo) {
  ASSERT_EQ(chmod(key_.c_str(), geteuid() == 0 ? 0600 : 0), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  const std::string expected = "cannot read signing key " + key_ +
                               ": Permission denied; pass --key, or run as root to use DKMS's key";
  auto check = [&]() {
    auto r = sign_manifest("x", key_, cert_der_);
    return !r && r.error().kind == ErrorKind::not_permitted && r.error().message == expected;
  };
  if (geteuid() != 0) {
    EXPECT_TRUE(check()) << "expected: " << expected;
    return;
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const uid_t nobody = 65534;
    if (setresgid(nobody, nobody, nobody) != 0 || setresuid(nobody, nobody, nobody) != 0)
      _exit(2);
    _exit(check() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected: " << expected;
}

TEST_F(PolicySignatureTest, ACertificateWithoutSubjectKeyIdentifierIsRefused) {
  KeyPair bare = make_key_pair(false);
  const std::string key = dir_ / "bare.key", cert = dir_ / "bare.pub";
  write_key_pem(bare, key);
  write_cert(bare, cert, true);
  auto r = sign_policy(object_, key, cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_EQ(r.error().message,
            "certificate " + cert +
                " has no subject key identifier, by which a policy signature names its signer; "
                "use a certificate that has one (openssl req -x509 adds it)");
  EXPECT_FALSE(certificate_skid(cert));
}

TEST_F(PolicySignatureTest, AKeyThatIsNotTheCertificatesIsRefused) {
  KeyPair other = make_key_pair(true);
  const std::string key = dir_ / "other.key";
  write_key_pem(other, key);
  auto r = sign_policy(object_, key, cert_der_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "signing key " + key + " does not belong to certificate " + cert_der_);
}

TEST_F(PolicySignatureTest, MalformedSignaturesAreRefused) {
  ASSERT_TRUE(sign_policy(object_, key_, cert_der_));
  std::vector<uint8_t> der = read_bytes(signature_path(object_));
  std::vector<uint8_t> truncated(der.begin(), der.begin() + der.size() / 2);
  EXPECT_FALSE(parse_signature(truncated));
  EXPECT_FALSE(parse_signature({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_FALSE(parse_signature({}));

  // Too large is refused before the file is read at all.
  const std::string big = dir_ / "big.sig";
  test::write_file(big, std::string(BPF_TESTMOD_TRUST_MAX + 1, '\0'));
  auto r = read_signature(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_policy);
  EXPECT_EQ(r.error().message, "policy signature " + big + " is " +
                                   std::to_string(BPF_TESTMOD_TRUST_MAX + 1) +
                                   " bytes, more than " + std::to_string(BPF_TESTMOD_TRUST_MAX));
}

TEST_F(PolicySignatureTest, ASignatureCarryingItsCertificateIsRefusedAsTheModuleWould) {
  // What sign-file would make without CMS_NOCERTS.
  BioPtr content(BIO_new_mem_buf("x\n", 2));
  CmsPtr cms(CMS_sign(pair_->cert.get(), pair_->key.get(), nullptr, content.get(),
                      CMS_BINARY | CMS_NOATTR | CMS_USE_KEYID));
  ASSERT_TRUE(cms);
  BioPtr out(BIO_new(BIO_s_mem()));
  ASSERT_TRUE(i2d_CMS_bio(out.get(), cms.get()));
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(out.get(), &mem);
  auto r = parse_signature(std::vector<uint8_t>(mem->data, mem->data + mem->length));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "policy signature: carries 1 certificate(s); the module accepts none");
}

// The module's own walk for the signer (kmod/pkcs7_signer.c, built here
// unchanged), on what the loader signs and on what it must refuse.
std::vector<uint8_t> cms_der(const KeyPair& p, unsigned flags) {
  BioPtr content(BIO_new_mem_buf("x\n", 2));
  CmsPtr cms(CMS_sign(p.cert.get(), p.key.get(), nullptr, content.get(), flags));
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!cms || !i2d_CMS_bio(out.get(), cms.get()))
    return {};
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(out.get(), &mem);
  return std::vector<uint8_t>(mem->data, mem->data + mem->length);
}

int module_skid(const std::vector<uint8_t>& der, std::string* hex) {
  const uint8_t* skid = nullptr;
  size_t len = 0;
  int ret = pkcs7_signer_skid(der.data(), der.size(), &skid, &len);
  if (ret == 0)
    *hex = lower_hex(skid, len);
  return ret;
}

TEST_F(PolicySignatureTest, TheModuleFindsTheSignerTheLoaderNamed) {
  ASSERT_TRUE(sign_policy(object_, key_, cert_der_));
  const std::vector<uint8_t> der = read_bytes(signature_path(object_));
  std::string hex;
  ASSERT_EQ(module_skid(der, &hex), 0);
  auto skid = certificate_skid(cert_der_);
  ASSERT_TRUE(skid) << skid.error().message;
  EXPECT_EQ(hex, *skid);
  // Every truncation and every trailing byte is refused, never read past.
  for (size_t n = 0; n < der.size(); n++) {
    std::vector<uint8_t> cut(der.begin(), der.begin() + n);
    EXPECT_EQ(module_skid(cut, &hex), -EBADMSG) << "truncated to " << n;
  }
  std::vector<uint8_t> longer = der;
  longer.push_back(0);
  EXPECT_EQ(module_skid(longer, &hex), -EBADMSG);
}

TEST_F(PolicySignatureTest, TheModuleRefusesWhatItCannotPinASignerFrom) {
  std::string hex;
  // A certificate in the message (the kernel would chain through it).
  EXPECT_EQ(module_skid(cms_der(*pair_, CMS_BINARY | CMS_NOATTR | CMS_USE_KEYID), &hex),
            -EBADMSG);
  // The signer named by issuer and serial number, not by key id.
  EXPECT_EQ(module_skid(cms_der(*pair_, CMS_BINARY | CMS_NOATTR | CMS_NOCERTS), &hex),
            -EBADMSG);
  // BER's indefinite lengths (what sign-file writes for modules).
  std::vector<uint8_t> der = cms_der(*pair_, CMS_BINARY | CMS_NOATTR | CMS_NOCERTS | CMS_USE_KEYID);
  ASSERT_EQ(module_skid(der, &hex), 0);
  der[1] = 0x80;
  EXPECT_EQ(module_skid(der, &hex), -EBADMSG);
  EXPECT_EQ(module_skid(std::vector<uint8_t>(64, 0x30), &hex), -EBADMSG);
}

}  // namespace
}  // namespace structops
