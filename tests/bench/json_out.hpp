// A small JSON writer for the results file: objects, arrays, strings and
// numbers (doubles included, which the loader's writer does not do).
// Commas and nesting are the writer's business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace structops::bench {

class Json {
 public:
  Json& open_object(const std::string& key = {});
  Json& close_object();
  Json& open_array(const std::string& key = {});
  Json& close_array();
  Json& str(const std::string& key, const std::string& v);
  Json& num(const std::string& key, double v);
  Json& integer(const std::string& key, int64_t v);
  Json& boolean(const std::string& key, bool v);
  // Array elements.
  Json& str(const std::string& v) { return str({}, v); }

  // The text, with a final newline; all containers must be closed.
  std::string text() const;

 private:
  void item(const std::string& key);

  std::string out_;
  std::vector<bool> first_;
};

}  // namespace structops::bench
