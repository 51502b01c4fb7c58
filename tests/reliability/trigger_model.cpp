#include "trigger_model.hpp"

#include <structops/bpf_testmod.h>

#include <climits>
#include <stdexcept>
#include <vector>

namespace structops::test {
namespace {

constexpr size_t kMaxPayload = BPF_TESTMOD_TRIGGER_MAX;
constexpr uint32_t kBenchMax = 100000000;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The verb's arguments: "" for the bare verb, the rest after one space,
// or false when the payload is not this verb at all ("test_1x").
bool verb_args(const std::string& payload, const std::string& verb, std::string* args,
               bool* bare) {
  if (!starts_with(payload, verb)) return false;
  if (payload.size() == verb.size()) {
    *args = "";
    *bare = true;
    return true;
  }
  if (payload[verb.size()] != ' ') return false;
  *args = payload.substr(verb.size() + 1);
  *bare = false;
  return true;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> words;
  size_t start = 0;
  for (;;) {
    size_t sp = s.find(' ', start);
    words.push_back(s.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    if (sp == std::string::npos) return words;
    start = sp + 1;
  }
}

TriggerExpectation rejected() { return {}; }

TriggerExpectation bench(const std::string& args) {
  std::vector<std::string> w = split_spaces(args);
  TriggerExpectation e;
  size_t i = 0;
  if (!w.empty() && w[0] == "builtin") {
    e.bench_builtin = true;
    i = 1;
  } else if (!w.empty() && w[0] == "ctable") {
    e.bench_ctable = true;
    i = 1;
  }
  if (w.size() != i + 2) return rejected();
  if (w[i] == "test_1")
    e.bench_member = 1;
  else if (w[i] == "test_2")
    e.bench_member = 2;
  else
    return rejected();
  const std::string& n = w[i + 1];
  if (!all_digits(n)) return rejected();
  size_t nz = n.find_first_not_of('0');
  std::string digits = nz == std::string::npos ? "0" : n.substr(nz);
  if (digits.size() > 9) return rejected();  // > 100000000 for sure
  unsigned long calls = std::stoul(digits);
  if (calls < 1 || calls > kBenchMax) return rejected();
  e.kind = TriggerKind::bench;
  e.bench_calls = static_cast<uint32_t>(calls);
  return e;
}

int wrap_add(int a, int b) {
  return static_cast<int>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
int clamp(long long v) { return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : static_cast<int>(v); }
int clamp_add(int a, int b) { return clamp(static_cast<long long>(a) + b); }
// scale with its default knobs: multiplier 2, offset 0.
int scale_2(int a, int b) { return clamp((static_cast<long long>(a) + b) * 2); }
int scale_3(size_t len) { return clamp(static_cast<long long>(len) * 2); }
int length(size_t len) { return static_cast<int>(len); }

}  // namespace

bool parse_module_int(const std::string& text, int* value) {
  std::string digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.erase(0, 1);
  }
  if (!all_digits(digits)) return false;
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  if (digits.size() > 10) return false;
  long long v = std::stoll(digits) * (negative ? -1 : 1);
  if (v < INT_MIN || v > INT_MAX) return false;
  *value = static_cast<int>(v);
  return true;
}

TriggerExpectation model_trigger(const std::string& bytes) {
  TriggerExpectation e;
  if (bytes.empty()) {
    e.kind = TriggerKind::nothing;
    return e;
  }
  if (bytes.size() > kMaxPayload + 1) return rejected();
  std::string payload = bytes;
  if (payload.back() == '\n') payload.pop_back();
  if (payload.size() > kMaxPayload || payload.find('\0') != std::string::npos) return rejected();

  std::string args;
  bool bare = false;
  if (verb_args(payload, "test_1", &args, &bare)) {
    if (!bare) return rejected();
    e.kind = TriggerKind::test_1;
    return e;
  }
  if (verb_args(payload, "test_2", &args, &bare)) {
    std::vector<std::string> w = split_spaces(args);
    if (bare || w.size() != 2 || !parse_module_int(w[0], &e.a) || !parse_module_int(w[1], &e.b))
      return rejected();
    e.kind = TriggerKind::test_2;
    return e;
  }
  if (verb_args(payload, "test_3", &args, &bare)) {
    if (bare) return rejected();
    e.kind = TriggerKind::test_3;
    e.text_len = args.size();
    return e;
  }
  if (verb_args(payload, "bench", &args, &bare)) return bench(args);
  e.kind = TriggerKind::sequence;
  e.text_len = payload.size();
  return e;
}

const PolicyModel& policy_model(const std::string& name) {
  static const std::vector<PolicyModel> models = {
      {"none", 0, false, false, wrap_add, length},
      {"default", 42, true, true, wrap_add, length},
      {"saturate", 1, true, true, clamp_add, length},
      {"stats", 2, true, true, wrap_add, length},
      {"scale", 3, true, true, scale_2, scale_3},
      {"partial", 4, false, false, wrap_add, length},
  };
  for (const PolicyModel& m : models)
    if (m.name == name) return m;
  throw std::runtime_error("no model of policy " + name);
}

}  // namespace structops::test
