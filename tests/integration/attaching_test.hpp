// The fixture steps the loader and rollback tests share: attach a shipped
// policy through the loader, and check that it answers a trigger
// (expect_answering(), answering.hpp).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "answering.hpp"
#include "harness.hpp"

namespace structops::test {

class AttachingTest : public ::testing::Test {
 protected:
  static void attach(const std::string& policy) {
    RunResult r = loader({"--policy", policy});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

}  // namespace structops::test
