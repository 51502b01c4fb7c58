// The results file's JSON, built as a tree with nlohmann-json, which does
// the escaping, number formatting and layout.  This class only keeps the
// builder style report.cpp reads well in: open/close nest, keys inside
// objects, none inside arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace structops::bench {

class Json {
 public:
  Json& open_object(const std::string& key = {});
  Json& close_object();
  Json& open_array(const std::string& key = {});
  Json& close_array();
  Json& str(const std::string& key, const std::string& v);
  Json& num(const std::string& key, double v);  // NaN and infinity become null
  Json& integer(const std::string& key, int64_t v);
  Json& boolean(const std::string& key, bool v);
  // Array elements.
  Json& str(const std::string& v) { return str({}, v); }

  // The text, indented by 2, with a final newline; all containers must be
  // closed.
  std::string text() const;

 private:
  // Adds v under key (objects) or at the end (arrays); returns where it is.
  nlohmann::ordered_json& add(const std::string& key, nlohmann::ordered_json v);

  nlohmann::ordered_json root_;
  std::vector<nlohmann::ordered_json*> open_;  // innermost last
  bool done_ = false;
};

}  // namespace structops::bench
