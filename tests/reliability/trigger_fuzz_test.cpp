// The trigger file under fuzzing: random bytes and lengths (0..4096),
// malformed verb lines and INT_MIN/INT_MAX arguments, each write checked
// against an independent model of the module's rules (trigger_model.hpp):
// accepted writes change the status file exactly as predicted, rejected
// ones fail with EINVAL (EFAULT for unreadable buffers) and change nothing.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <sstream>

#include "reliability.hpp"
#include "trigger_model.hpp"

namespace structops::test {
namespace {

std::string escape(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out.size() > 200 ? out.substr(0, 200) + "...(" + std::to_string(bytes.size()) + " bytes)" : out;
}

// One fuzz write checked against the model under the attached policy.
class FuzzChecker {
 public:
  explicit FuzzChecker(TriggerFile* f) : f_(f) {}

  void set_policy(const std::string& name) { policy_ = name; }

  void check(const std::string& bytes) { check_raw(bytes.data(), bytes.size(), model_trigger(bytes), bytes); }

  // A write from a bad buffer: EFAULT, or EINVAL when too long to copy.
  void check_bad_buffer(const void* data, size_t size) {
    TriggerExpectation e;
    e.kind = size == 0 ? TriggerKind::nothing : TriggerKind::rejected;
    check_raw(data, size, e, "(" + std::to_string(size) + " bytes from a bad address)",
              size > 256 ? EINVAL : EFAULT);
  }

  std::map<std::string, long long> counts;
  long long mismatches = 0;

 private:
  void check_raw(const void* data, size_t size, const TriggerExpectation& e, const std::string& shown,
                 int reject_errno = EINVAL) {
    const std::string before = status_text();
    const int err = f_->write(data, size);
    const std::string after = status_text();
    figures().bad_inputs_tried++;
    figures().states_checked++;
    std::string why;
    switch (e.kind) {
      case TriggerKind::nothing:
        counts["empty"]++;
        if (err != 0) why = "a 0-byte write failed: " + std::string(strerror(err));
        else if (after != before) why = "a 0-byte write changed the status";
        break;
      case TriggerKind::rejected:
        counts["rejected"]++;
        if (err != reject_errno)
          why = "expected " + std::string(strerror(reject_errno)) + ", got " +
                (err ? strerror(err) : "success");
        else if (after != before)
          why = "a rejected write changed the status:\n" + before + "---\n" + after;
        break;
      default:
        counts["accepted"]++;
        if (err != 0) why = "an accepted payload failed: " + std::string(strerror(err));
        else why = compare(e, status_from_text(before), status_from_text(after));
        if (e.kind != TriggerKind::bench) figures().triggers_sent++;
        break;
    }
    if (!why.empty()) {
      mismatches++;
      violation("policy " + policy_ + ", write '" + escape(shown) + "': " + why);
    }
  }

  // The status file after an accepted write, predicted from the one before.
  std::string compare(const TriggerExpectation& e, const Status& before, const Status& after) const {
    const PolicyModel& m = policy_model(policy_);
    const bool attached = policy_ != "none";
    Status want = before;
    auto add = [&](const char* key, long long n) {
      want[key] = std::to_string(std::stoll(before.at(key)) + n);
    };
    const bool fb1 = !attached, fb2 = !m.has_test_2, fb3 = !m.has_test_3;
    if (e.kind == TriggerKind::bench) {
      want["bench_op"] = e.bench_member == 1 ? "test_1" : "test_2";
      want["bench_target"] = e.bench_builtin ? "builtin" : e.bench_ctable ? "ctable" : policy_;
      want["bench_calls"] = std::to_string(e.bench_calls);
      want["bench_ns"] = after.count("bench_ns") ? after.at("bench_ns") : "(missing)";
      bool fallback = e.bench_member == 1 ? fb1 : fb2;
      if (!e.bench_builtin && !e.bench_ctable && fallback) add("fallback_calls", e.bench_calls);
    } else {
      add("triggers", 1);
      add("last_seq", 1);
      if (!attached) add("no_policy_triggers", 1);
      want["last_policy"] = policy_;
      // The record is this trigger's alone: what it did not call is
      // "not called", never an earlier trigger's answer.
      for (const char* k : {"last_test_1", "last_test_2", "last_test_3"}) want[k] = "not called";
      std::string builtin;
      auto answered_builtin = [&](bool fb, const char* name) {
        if (fb) builtin += std::string(builtin.empty() ? "" : " ") + name;
      };
      int fallbacks = 0;
      if (e.kind == TriggerKind::sequence || e.kind == TriggerKind::test_1) {
        want["last_test_1"] = std::to_string(m.test_1);
        fallbacks += fb1;
        answered_builtin(fb1, "test_1");
      }
      if (e.kind == TriggerKind::sequence) {
        want["last_test_2"] = std::to_string(m.test_2(10, 20));
        fallbacks += fb2;
        answered_builtin(fb2, "test_2");
      }
      if (e.kind == TriggerKind::test_2) {
        want["last_test_2"] = std::to_string(m.test_2(e.a, e.b));
        fallbacks += fb2;
        answered_builtin(fb2, "test_2");
      }
      if (e.kind == TriggerKind::sequence || e.kind == TriggerKind::test_3) {
        want["last_test_3"] = std::to_string(m.test_3(e.text_len));
        fallbacks += fb3;
        answered_builtin(fb3, "test_3");
      }
      add("fallback_calls", fallbacks);
      want["last_builtin"] = builtin.empty() ? "none" : builtin;
    }
    if (want == after) return {};
    std::string diff;
    for (const auto& [k, v] : want) {
      auto it = after.find(k);
      std::string got = it == after.end() ? "(missing)" : it->second;
      if (got != v) diff += " " + k + ": want " + v + ", got " + got + ";";
    }
    for (const auto& [k, v] : after)
      if (!want.count(k)) diff += " unexpected " + k + ": " + v + ";";
    return "status differs from the model:" + diff;
  }

  TriggerFile* f_;
  std::string policy_ = "none";
};

// Payloads: random bytes, verb lines well-formed and broken, boundaries.
class PayloadGenerator {
 public:
  explicit PayloadGenerator(uint64_t seed) : rng_(seed) {}

  std::string next() {
    for (;;) {
      std::string p = candidate();
      TriggerExpectation e = model_trigger(p);
      // Big benchmark requests burn CPU for seconds: not what is fuzzed.
      if (e.kind == TriggerKind::bench && e.bench_calls > 2000) continue;
      return p;
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }

  std::string random_bytes(size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(pick(256));
    return s;
  }
  std::string printable(size_t n) {
    std::string s(n, ' ');
    for (char& c : s) c = static_cast<char>(0x20 + pick(95));
    return s;
  }

  std::string number() {
    static const std::vector<std::string> edge = {
        "0", "1", "-1", "2147483647", "-2147483648", "2147483646", "-2147483647", "+0", "-0",
        "007", "+2147483647", "-00002147483648", "10", "20"};
    if (chance(50)) return edge[pick(edge.size())];
    long long v = std::uniform_int_distribution<long long>(INT_MIN, INT_MAX)(rng_);
    return std::to_string(v);
  }

  std::string bad_number() {
    static const std::vector<std::string> bad = {
        "2147483648", "-2147483649", "4294967296", "9223372036854775808", "99999999999999999999",
        "0x10", "1e3", "1.5", "+-1", "-+1", "--1", "++1", "-", "+", "", " 1", "1 ", "1\t", "\t1",
        "1\n", "a", "1a", "١", "NaN", "+ 1", std::string("1\0", 2), "12345678901234567890123"};
    return bad[pick(bad.size())];
  }

  std::string verb_line() {
    switch (pick(12)) {
      case 0: return "test_1";
      case 1: return "test_2 " + number() + " " + number();
      case 2: return "test_2 " + bad_number() + " " + number();
      case 3: return "test_2 " + number() + " " + bad_number();
      case 4: {
        static const std::vector<std::string> shapes = {
            "test_2", "test_2 ", "test_2 1", "test_2 1 ", "test_2 1 2 ", "test_2  1 2",
            "test_2 1  2", "test_2 1 2 3", "test_2\t1 2", "test_2 1\n2", "test_2 1 2\n\n",
            "test_2\n1 2", "test_2x 1 2", "TEST_2 1 2", "test_21 2"};
        return shapes[pick(shapes.size())];
      }
      case 5: return "test_3 " + printable(pick(260));
      case 6: {
        std::string t = random_bytes(pick(260));
        for (char& c : t)
          if (!c) c = 'x';
        return "test_3 " + t;
      }
      case 7: {
        static const std::vector<std::string> shapes = {"test_3", "test_3 ", "test_3x", "test_1 ",
                                                        "test_1 x", "test_1x", "test_1\n\n", "test_"};
        return shapes[pick(shapes.size())];
      }
      case 8: {
        std::string n = chance(70) ? std::to_string(1 + pick(2000)) : bad_number();
        static const std::vector<std::string> bad_n = {"0", "100000001", "4294967296", "00",
                                                       "99999999999"};
        if (chance(20)) n = bad_n[pick(bad_n.size())];
        static const std::vector<std::string> heads = {"bench test_1 ", "bench test_2 ",
                                                       "bench builtin test_1 ",
                                                       "bench builtin test_2 ", "bench test_3 ",
                                                       "bench ctable test_1 ", "bench ctable test_2 ",
                                                       "bench ctable test_3 ", "bench builtin ctable test_1 ",
                                                       "bench builtin ", "bench  test_1 ", "bench "};
        return heads[pick(heads.size())] + n;
      }
      case 9: return "Hello";
      case 10: return printable(pick(300));
      default: {
        // Boundary lengths around the 255-byte payload limit.
        std::string s = printable(250 + pick(10));
        if (chance(20)) s[pick(s.size())] = '\0';
        return s;
      }
    }
  }

  std::string mutate(std::string s) {
    int edits = 1 + pick(3);
    for (int i = 0; i < edits; i++) {
      size_t at = s.empty() ? 0 : pick(s.size() + 1);
      switch (pick(3)) {
        case 0: s.insert(at, 1, static_cast<char>(pick(256))); break;
        case 1: if (at < s.size()) s.erase(at, 1); break;
        default: if (at < s.size()) s[at] = static_cast<char>(pick(256)); break;
      }
    }
    return s;
  }

  std::string candidate() {
    std::string p;
    int kind = pick(100);
    if (kind < 8) p = random_bytes(pick(4097));
    else if (kind < 25) p = random_bytes(pick(300));
    else if (kind < 35) p = mutate(verb_line());
    else p = verb_line();
    int nl = pick(100);
    if (nl < 35) p += "\n";
    else if (nl < 40) p += "\n\n";
    return p;
  }

  std::mt19937_64 rng_;
};

class TriggerFuzzTest : public ReliabilityTest {};

TEST_F(TriggerFuzzTest, WritesAgreeWithTheModelAndRejectsChangeNothing) {
  const uint64_t seed = test_seed();
  QuietKernelLog quiet;
  PayloadGenerator gen(seed);
  TriggerFile f;
  FuzzChecker checker(&f);

  // The boundaries the issue names, under every policy.
  const std::vector<std::string> fixed = {
      "test_2 2147483647 1", "test_2 -2147483648 -1", "test_2 2147483647 2147483647",
      "test_2 -2147483648 -2147483648", "test_2 -2147483648 2147483647", "test_2 2147483648 0",
      "test_2 0 -2147483649", "test_2 -2147483648", "test_2", "test_3", "test_1 1", "",
      "\n", std::string(255, 'x'), std::string(255, 'x') + "\n", std::string(256, 'x'),
      std::string(257, 'x'), std::string(4096, 'x'), std::string("Hel\0lo", 6)};

  const std::vector<std::string> phases = {"none", "default", "saturate", "scale", "partial", "stats"};
  const int per_phase = sizes().fuzz_writes / static_cast<int>(phases.size());
  long long writes = 0;
  for (const std::string& policy : phases) {
    if (policy != "none") attach(policy);
    ASSERT_EQ(read_status()["policy"], policy);
    checker.set_policy(policy);
    for (const std::string& p : fixed) checker.check(p);
    writes += fixed.size();
    for (int i = 0; i < per_phase; i++) checker.check(gen.next());
    writes += per_phase;
  }

  // Buffers the kernel cannot read: EFAULT, and nothing changes.
  long page = ::sysconf(_SC_PAGESIZE);
  char* mem = static_cast<char*>(
      ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  ASSERT_EQ(::mprotect(mem + page, page, PROT_NONE), 0);
  std::memcpy(mem + page - 3, "tes", 3);
  checker.check_bad_buffer(nullptr, 5);
  checker.check_bad_buffer(mem + page - 3, 10);  // runs into the unmapped page
  checker.check_bad_buffer(mem + page, 256);
  checker.check_bad_buffer(mem + page, 300);
  checker.check_bad_buffer(nullptr, 0);
  writes += 5;
  ::munmap(mem, 2 * page);

  EXPECT_EQ(checker.mismatches, 0);
  std::printf(
      "[ figures  ] trigger fuzz: %lld writes under %zu policies: %lld accepted, %lld rejected "
      "(EINVAL/EFAULT, status unchanged), %lld empty; %lld disagreements with the model\n",
      writes, phases.size(), checker.counts["accepted"], checker.counts["rejected"],
      checker.counts["empty"], checker.mismatches);
}

}  // namespace
}  // namespace structops::test
