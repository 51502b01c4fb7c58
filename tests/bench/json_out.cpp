#include "json_out.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "json.hpp"

namespace structops::bench {

void Json::item(const std::string& key) {
  if (!first_.empty()) {
    if (!first_.back())
      out_ += ",";
    first_.back() = false;
    out_ += "\n" + std::string(2 * first_.size(), ' ');
  }
  if (!key.empty())
    out_ += json_quote(key) + ": ";
}

Json& Json::open_object(const std::string& key) {
  item(key);
  out_ += "{";
  first_.push_back(true);
  return *this;
}

Json& Json::close_object() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty)
    out_ += "\n" + std::string(2 * first_.size(), ' ');
  out_ += "}";
  return *this;
}

Json& Json::open_array(const std::string& key) {
  item(key);
  out_ += "[";
  first_.push_back(true);
  return *this;
}

Json& Json::close_array() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty)
    out_ += "\n" + std::string(2 * first_.size(), ' ');
  out_ += "]";
  return *this;
}

Json& Json::str(const std::string& key, const std::string& v) {
  item(key);
  out_ += json_quote(v);
  return *this;
}

Json& Json::num(const std::string& key, double v) {
  item(key);
  if (!std::isfinite(v)) {
    out_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  out_ += buf;
  return *this;
}

Json& Json::integer(const std::string& key, int64_t v) {
  item(key);
  out_ += std::to_string(v);
  return *this;
}

Json& Json::boolean(const std::string& key, bool v) {
  item(key);
  out_ += v ? "true" : "false";
  return *this;
}

std::string Json::text() const {
  if (!first_.empty())
    throw std::logic_error("Json::text with open containers");
  return out_ + "\n";
}

}  // namespace structops::bench
