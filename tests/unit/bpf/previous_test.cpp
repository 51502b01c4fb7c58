// The previous policy's pin names, and what an absent pin means; the rest
// needs a kernel (tests/integration/rollback_test.cpp).
#include "bpf/previous.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(Previous, PinnedNextToTheLinkWithoutDots) {
  EXPECT_EQ(previous_pin_path("/sys/fs/bpf/structops/link"), "/sys/fs/bpf/structops/previous");
  EXPECT_EQ(previous_next_pin_path("/sys/fs/bpf/structops/link"),
            "/sys/fs/bpf/structops/previous_next");
  EXPECT_EQ(previous_pin_path("/x/y/link").find('.'), std::string::npos);
  EXPECT_EQ(previous_next_pin_path("/x/y/link").find('.'), std::string::npos);
}

TEST(Previous, NothingPinnedIsAbsentNotAnError) {
  auto p = open_previous("/nonexistent/structops/previous", StructOpsType{});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->state, PreviousState::absent);
  EXPECT_FALSE(p->map_fd);
}

TEST(Previous, RemovingWhatIsNotThereSucceeds) {
  EXPECT_TRUE(remove_previous("/nonexistent/structops/link"));
}

}  // namespace
}  // namespace structops
