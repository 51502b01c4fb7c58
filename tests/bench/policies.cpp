#include "policies.hpp"

#include <iostream>

#include "bpf/link_manager.hpp"
#include "module_io.hpp"
#include "trigger_loop.hpp"

namespace structops::bench {
namespace {

template <typename T>
T value_or_throw(Result<T> r, const std::string& what) {
  if (!r)
    throw BenchError(what + ": " + r.error().message);
  return std::move(r).value();
}

void ok_or_throw(Result<void> r, const std::string& what) {
  if (!r)
    throw BenchError(what + ": " + r.error().message);
}

}  // namespace

Policies::Policies(const std::string& policy_dir, const std::vector<std::string>& names) {
  Context ctx;
  ctx.search_dirs = {policy_dir};
  for (const std::string& name : names)
    prepared_.emplace(name, value_or_throw(prepare_policy(ctx, name, {}), "preparing " + name));
}

int Policies::map_fd(const std::string& name) const {
  auto it = prepared_.find(name);
  if (it == prepared_.end())
    throw BenchError("policy " + name + " was not prepared");
  return it->second.policy.map_fd();
}

void Policies::attach(const std::string& name) {
  if (link_)
    throw BenchError("attach " + name + ": " + current_ + " is attached");
  NewLink l = value_or_throw(create_link(map_fd(name)), "attaching " + name);
  link_ = std::move(l.fd);
  current_ = name;
}

double Policies::swap(const std::string& name) {
  auto ns = value_or_throw(swap_link(link_.get(), map_fd(name), map_fd(current_)),
                           "swapping " + current_ + " -> " + name);
  current_ = name;
  return static_cast<double>(ns.count());
}

double Policies::detach_attach(const std::string& name) {
  int64_t start = now_ns();
  ok_or_throw(detach_link(link_.get()), "detaching " + current_);
  NewLink l = value_or_throw(create_link(map_fd(name)), "re-attaching " + name);
  int64_t end = now_ns();
  link_ = std::move(l.fd);  // closes the detached link
  current_ = name;
  return static_cast<double>(end - start);
}

void Policies::detach() {
  if (!link_)
    return;
  ok_or_throw(detach_link(link_.get()), "detaching " + current_);
  link_.reset();
  current_.clear();
}

void Policies::use(const std::string& name) {
  if (name == "none")
    detach();
  else if (current_.empty())
    attach(name);
  else
    swap(name);
}

void run_rounds(Policies& policies, int rounds, const std::string& what,
                const std::function<void(int)>& round) {
  for (int i = 0; i < rounds; i++) {
    policies.detach();
    round(i);
    policies.detach();
    std::cerr << "bench: " << what << " round " << i + 1 << "/" << rounds << "\n";
  }
}

}  // namespace structops::bench
