#include "bpf/link_manager.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

// An active pin whose map is of struct_ops type (btf_id, value_type_id).
PinnedLink active_pin(uint32_t btf_id, uint32_t value_type_id) {
  PinnedLink p;
  p.state = PinState::active;
  p.link_id = 7;
  p.map_id = 9;
  p.map_btf_id = btf_id;
  p.map_value_type_id = value_type_id;
  return p;
}

// The cases below repeat one shape on purpose (duplicates lists them): one
// named test per rule, so a failure says which rule broke.
TEST(ClassifyPinnedLink, PinOfTheRunningTypeStaysActive) {
  PinnedLink p = active_pin(40, 120);
  classify_pinned_link(&p, 40, 120);
  EXPECT_EQ(p.state, PinState::active);
  EXPECT_EQ(p.stale_reason, "");
}

TEST(ClassifyPinnedLink, PinOfAnEarlierModuleInstanceIsStale) {
  PinnedLink p = active_pin(31, 120);
  classify_pinned_link(&p, 40, 120);
  EXPECT_EQ(p.state, PinState::stale);
  EXPECT_EQ(p.stale_reason,
            "link 7 holds a policy of an earlier bpf_testmod instance (BTF object 31, now 40)");
}

TEST(ClassifyPinnedLink, PinOfAnotherStructOpsTypeIsStale) {
  PinnedLink p = active_pin(40, 99);
  classify_pinned_link(&p, 40, 120);
  EXPECT_EQ(p.state, PinState::stale);
  EXPECT_EQ(p.stale_reason, "link 7 holds a map of another struct_ops type");
}

TEST(ClassifyPinnedLink, ZerosSkipTheChecks) {
  PinnedLink p = active_pin(31, 99);
  classify_pinned_link(&p, 0, 0);
  EXPECT_EQ(p.state, PinState::active);
}

TEST(ClassifyPinnedLink, AbsentAndStalePinsAreLeftAlone) {
  PinnedLink absent;
  classify_pinned_link(&absent, 40, 120);
  EXPECT_EQ(absent.state, PinState::absent);
  PinnedLink stale;
  stale.state = PinState::stale;
  stale.stale_reason = "link 7 is detached";
  classify_pinned_link(&stale, 40, 120);
  EXPECT_EQ(stale.state, PinState::stale);
  EXPECT_EQ(stale.stale_reason, "link 7 is detached");
}

}  // namespace
}  // namespace structops
