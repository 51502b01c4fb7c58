#include "json_out.hpp"

#include <cmath>
#include <stdexcept>

namespace structops::bench {

nlohmann::ordered_json& Json::add(const std::string& key, nlohmann::ordered_json v) {
  if (open_.empty()) {
    if (done_)
      throw std::logic_error("Json: a second top-level value");
    done_ = true;
    root_ = std::move(v);
    return root_;
  }
  nlohmann::ordered_json& parent = *open_.back();
  if (parent.is_array()) {
    if (!key.empty())
      throw std::logic_error("Json: key '" + key + "' inside an array");
    parent.push_back(std::move(v));
    return parent.back();
  }
  if (key.empty())
    throw std::logic_error("Json: value without a key inside an object");
  parent[key] = std::move(v);
  return parent[key];
}

Json& Json::open_object(const std::string& key) {
  open_.push_back(&add(key, nlohmann::ordered_json::object()));
  return *this;
}

Json& Json::open_array(const std::string& key) {
  open_.push_back(&add(key, nlohmann::ordered_json::array()));
  return *this;
}

Json& Json::close_object() {
  if (open_.empty() || !open_.back()->is_object())
    throw std::logic_error("Json::close_object without an open object");
  open_.pop_back();
  return *this;
}

Json& Json::close_array() {
  if (open_.empty() || !open_.back()->is_array())
    throw std::logic_error("Json::close_array without an open array");
  open_.pop_back();
  return *this;
}

Json& Json::str(const std::string& key, const std::string& v) {
  add(key, v);
  return *this;
}

Json& Json::num(const std::string& key, double v) {
  add(key, std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr));
  return *this;
}

Json& Json::integer(const std::string& key, int64_t v) {
  add(key, v);
  return *this;
}

Json& Json::boolean(const std::string& key, bool v) {
  add(key, v);
  return *this;
}

std::string Json::text() const {
  if (!open_.empty())
    throw std::logic_error("Json::text with open containers");
  return root_.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace structops::bench
