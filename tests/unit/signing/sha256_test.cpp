#include "signing/sha256.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "signing/policy_digest.hpp"

namespace structops {
namespace {

std::string hex_of(const std::string& text) {
  const Sha256Digest d = sha256(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return lower_hex(d.data(), d.size());
}

// FIPS 180-4's examples (NIST's "SHA256.pdf" and the short-message set).
TEST(Sha256Test, MatchesTheFipsExamples) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                   "klmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every length around the block and padding boundaries, as OpenSSL hashes
// the same bytes.
TEST(Sha256Test, AgreesWithOpenSslOnEveryLengthUpTo300Bytes) {
  std::vector<uint8_t> bytes;
  uint32_t x = 2463534242u;  // xorshift32: varied bytes, the same every run
  for (size_t len = 0; len <= 300; len++) {
    const Sha256Digest mine = sha256(bytes.data(), bytes.size());
    unsigned char theirs[EVP_MAX_MD_SIZE];
    unsigned int theirs_len = 0;
    ASSERT_TRUE(
        EVP_Digest(bytes.data(), bytes.size(), theirs, &theirs_len, EVP_sha256(), nullptr));
    ASSERT_EQ(theirs_len, mine.size());
    EXPECT_EQ(lower_hex(mine.data(), mine.size()), lower_hex(theirs, theirs_len))
        << len << " bytes";
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    bytes.push_back(static_cast<uint8_t>(x));
  }
}

}  // namespace
}  // namespace structops
