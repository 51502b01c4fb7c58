// Where the loader keeps its state (docs/DESIGN.md, "The pins"), for every
// booted-kernel test.  Literals on purpose: these paths are the loader's
// on-disk contract, so the tests name them rather than take them from the
// code under test.
#pragma once

namespace structops::test {

inline constexpr char kPinDir[] = "/sys/fs/bpf/structops";
inline constexpr char kPinLink[] = "/sys/fs/bpf/structops/link";
inline constexpr char kPinPrevious[] = "/sys/fs/bpf/structops/previous";
inline constexpr char kPinPreviousNext[] = "/sys/fs/bpf/structops/previous_next";
inline constexpr char kProbationRecord[] = "/run/structops/probation";

}  // namespace structops::test
