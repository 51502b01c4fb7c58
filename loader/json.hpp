// A minimal JSON writer for --status --json: proper string escaping, no
// dependency.  Commas are placed by the writer, so callers cannot get them
// wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace structops {

// s as a JSON string literal, quotes included.  Control characters are
// escaped; bytes that are not valid UTF-8 become U+FFFD.
std::string json_quote(const std::string& s);

// True for text that is a JSON integer as-is ("0", "-12"; not "007").
bool is_json_integer(const std::string& s);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(const std::string& k);
  JsonWriter& string(const std::string& s);
  JsonWriter& number(uint64_t n);
  JsonWriter& raw_number(const std::string& digits);  // caller checked is_json_integer
  JsonWriter& boolean(bool b);
  JsonWriter& null();

  const std::string& str() const { return out_; }

 private:
  void before_value();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace structops
