#include "cli/commands.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "bpf/link_manager.hpp"
#include "bpf/ops_layout_cache.hpp"
#include "bpf/policy_description.hpp"
#include "bpf/policy_lookup.hpp"
#include "bpf/policy_stats.hpp"
#include "bpf/previous.hpp"
#include "report/status.hpp"
#include "signing/policy_signature.hpp"
#include "signing/signature_trust.hpp"
#include "system/config.hpp"
#include "system/module.hpp"
#include "system/module_trust.hpp"
#include "system/privileges.hpp"

namespace structops {
namespace fs = std::filesystem;
namespace {

Result<int> program_fd(const bpf_program* prog) {
  int fd = bpf_program__fd(prog);
  if (fd < 0)
    return make_error(ErrorKind::invalid_policy, std::string("program '") +
                                                     bpf_program__name(prog) +
                                                     "' fills a callback but was not loaded");
  return fd;
}

// The kernel's refusal of a policy's struct_ops value: the module's
// init_member() and validate() run when the value is written.
Error value_rejected(int err, const std::string& policy_name) {
  if (err == EINVAL)
    return errno_error(ErrorKind::invalid_policy, err,
                       "bpf_testmod rejected policy '" + policy_name +
                           "' (its name must be printable and under " +
                           std::to_string(BPF_TESTMOD_NAME_LEN) +
                           " bytes, and it must "
                           "implement at least one callback; see dmesg)");
  return errno_error(err, "cannot set policy '" + policy_name + "''s struct_ops value");
}

// A policy opened, knobs set, the module loaded and the policy verified;
// its map is not written yet.
struct LoadedPolicy {
  PolicyObject policy;
  PinnedLink pin;              // with snapshot_pin, not yet checked for its type
  std::string signature_note;  // why its signature was not handed over, if not
};

Result<LoadedPolicy> load_policy(const Context& ctx, const std::string& name_or_path,
                                 const std::vector<std::string>& knob_settings, bool snapshot_pin) {
  auto path = find_policy(name_or_path, ctx.search_dirs);
  if (!path)
    return std::move(path).error();
  auto policy = PolicyObject::open(*path);
  if (!policy)
    return std::move(policy).error();
  if (auto r = policy->set_knobs(knob_settings); !r)
    return std::move(r).error();
  if (auto r = ensure_module_loaded(); !r)
    return std::move(r).error();
  // The module checks each program against its trusted set at load.
  auto note = present_signature(*path, read_enforcement());
  if (!note)
    return std::move(note).error();
  // Look at the pin before the slow part (verification takes most of a
  // second on an emulated CPU): a swap then replaces exactly the policy
  // that was active when this command began, and of two loaders started
  // together one wins and the other is told to retry.  Its type is
  // checked once the policy's map says which type is the running one.
  PinnedLink pin;
  if (snapshot_pin) {
    auto snapshot = open_pinned_link(ctx.pin_path, 0, 0);
    if (!snapshot)
      return std::move(snapshot).error();
    pin = std::move(snapshot).value();
  }
  if (auto r = policy->load(); !r) {
    // libbpf finds no struct_ops type to load against: say what the module lacks.
    if (r.error().log.empty()) {
      if (auto kernel = load_module_btf(); !kernel)
        return std::move(kernel).error();
    }
    return std::move(r).error();
  }
  return LoadedPolicy{std::move(policy).value(), std::move(pin), std::move(note).value()};
}

// Makes the map READY with the value built here, laid out as the module's
// BTF says: the kernel resolves the program fds and runs the module's
// init_member() and validate() now, not at attach.
Result<void> make_ready(const PolicyObject& policy, const OpsLayout& kernel) {
  auto built = build_struct_ops_value(policy.local_ops(), kernel, program_fd);
  if (!built)
    return std::move(built).error();
  if (built->size() != bpf_map__value_size(policy.map()))
    return make_error(ErrorKind::other, "struct_ops value size " + std::to_string(built->size()) +
                                            " differs from the map's " +
                                            std::to_string(bpf_map__value_size(policy.map())));
  uint32_t zero = 0;
  if (bpf_map_update_elem(policy.map_fd(), &zero, built->data(), 0))
    return value_rejected(errno, policy.name());
  return {};
}

}  // namespace

Result<PreparedPolicy> prepare_policy(const Context& ctx, const std::string& name_or_path,
                                      const std::vector<std::string>& knob_settings,
                                      bool snapshot_pin) {
  auto loaded = load_policy(ctx, name_or_path, knob_settings, snapshot_pin);
  if (!loaded)
    return std::move(loaded).error();
  auto kernel = load_module_btf();
  if (!kernel)
    return std::move(kernel).error();
  classify_pinned_link(&loaded->pin, kernel->btf_id, kernel->ops.value_type_id);
  // For --status, which then reads the attached value without the BTF;
  // failing to keep it only makes the next --status load the BTF itself.
  const OpsLayout layout = ops_layout_of(kernel->ops, kernel->btf_id);
  (void)save_ops_layout(ctx.ops_layout_path, layout);
  if (auto r = make_ready(loaded->policy, layout); !r)
    return std::move(r).error();
  return PreparedPolicy{std::move(loaded->policy), std::move(kernel).value(),
                        std::move(loaded->pin)};
}

namespace {

UniqueFd dup_fd(int fd) {
  return UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

// The value layout of the struct_ops type libbpf loaded the policy's map
// against (the pinned map's: classify_pinned_link() checked), as kept for
// this module instance, or else from the module's BTF.
Result<OpsLayout> layout_of_map(const Context& ctx, const PolicyObject& policy,
                                const PinnedLink& pin) {
  auto layout = load_ops_layout(ctx.ops_layout_path, pin.map_btf_id);
  if (!layout)
    return layout;
  if (layout->value_type_id == pin.map_value_type_id &&
      layout->value_size == bpf_map__value_size(policy.map()))
    return layout;
  // Kept for this instance but not of this type: not written by us.
  auto kernel = load_module_btf();
  if (!kernel)
    return std::move(kernel).error();
  OpsLayout fresh = ops_layout_of(kernel->ops, kernel->btf_id);
  (void)save_ops_layout(ctx.ops_layout_path, fresh);
  return fresh;
}

// A swap: this process did not create the pinned link, so it writes the
// new map's value itself, laid out as the module's BTF says (libbpf's copy
// is private), and reads the old policy's name the same way.  The layout
// is the kept one (ops_layout_cache.hpp): libbpf 1.4 would check all of
// vmlinux's types again to load the module's BTF.  The replaced map stays
// READY, pinned as the previous policy.
Result<void> swap_pinned(const Context& ctx, const PolicyObject& policy, PinnedLink* pin,
                         Attached* a) {
  auto layout = layout_of_map(ctx, policy, *pin);
  if (!layout)
    return std::move(layout).error();
  if (auto r = make_ready(policy, *layout); !r)
    return r;
  a->old_name = policy_name_of_map(pin->map_fd.get(), *layout);
  auto committed =
      swap_keeping_previous(pin->link_fd.get(), policy.map_fd(), pin->map_fd.get(), ctx.pin_path);
  if (!committed)
    return std::move(committed).error();
  if (!committed->note.empty())
    a->outcome.notes.push_back(committed->note);
  a->outcome.message = "switched '" + a->old_name + "' -> '" + policy.name() + "' in " +
                       std::to_string((committed->elapsed.count() + 500) / 1000) + " us";
  a->swapped = true;
  a->link_id = pin->link_id;
  a->link_fd = std::move(pin->link_fd);
  a->old_map_fd = std::move(pin->map_fd);
  return {};
}

// A first attach (no pin, or a stale one) writes the value libbpf built
// while loading (it found the module's type for that) and creates and
// pins the link: parsing the kernel's BTF once more here would double the
// time an attach takes.  Swaps and --verify, which cannot use libbpf's
// private copy, build the value from the module's BTF instead (make_ready).
Result<void> attach_first(const Context& ctx, const PolicyObject& policy, const StructOpsType& type,
                          Attached* a) {
  auto link = attach_struct_ops_map(
      policy.map(), [&policy](int err) { return value_rejected(err, policy.name()); });
  if (!link) {
    // EBUSY right after seeing no live pin: did another loader just win?
    if (link.error().kind == ErrorKind::busy) {
      auto again = open_pinned_link(ctx.pin_path, type.btf_id, type.value_type_id);
      if (again && again->state == PinState::active)
        return make_error(ErrorKind::busy,
                          "another loader attached a policy at the same time; retry");
    }
    return std::move(link).error();
  }
  if (auto r = pin_link(link->fd.get(), ctx.pin_path); !r)
    return r;  // closing link->fd detaches again
  // A first attach has no previous policy: one left from an earlier link
  // would make --rollback jump to something unrelated.
  if (auto r = remove_previous(ctx.pin_path); !r)
    a->outcome.notes.push_back(r.error().message);
  a->outcome.message = "attached '" + policy.name() + "' (link " + std::to_string(link->id) + ")";
  a->link_id = link->id;
  a->link_fd = std::move(link->fd);
  return {};
}

}  // namespace

Result<Attached> attach_or_swap(const Context& ctx, const std::string& name_or_path,
                                const std::vector<std::string>& knob_settings) {
  if (auto r = require_bpf_privileges("attaching a policy"); !r)
    return std::move(r).error();
  auto loaded = load_policy(ctx, name_or_path, knob_settings, /*snapshot_pin=*/true);
  if (!loaded)
    return std::move(loaded).error();
  const PolicyObject& policy = loaded->policy;
  PinnedLink* pin = &loaded->pin;
  // The running module's struct_ops type is the one libbpf loaded the
  // policy's map against.
  auto type = struct_ops_type_of(policy.map_fd());
  if (!type)
    return std::move(type).error();
  classify_pinned_link(pin, type->btf_id, type->value_type_id);
  Attached a;
  a.name = policy.name();
  if (!loaded->signature_note.empty())
    a.outcome.notes.push_back(loaded->signature_note);
  if (pin->state == PinState::stale)
    a.outcome.notes.push_back("replacing the stale pin " + ctx.pin_path + ": " + pin->stale_reason);
  auto done = pin->state == PinState::active ? swap_pinned(ctx, policy, pin, &a)
                                             : attach_first(ctx, policy, *type, &a);
  if (!done)
    return std::move(done).error();
  a.map_fd = dup_fd(policy.map_fd());
  return a;
}

Result<Outcome> attach_policy(const Context& ctx, const std::string& name_or_path,
                              const std::vector<std::string>& knob_settings) {
  auto a = attach_or_swap(ctx, name_or_path, knob_settings);
  if (!a)
    return std::move(a).error();
  return std::move(a->outcome);
}

Result<Outcome> verify_policy(const Context& ctx, const std::string& name_or_path,
                              const std::vector<std::string>& knob_settings) {
  if (auto r = require_bpf_privileges("verifying a policy"); !r)
    return std::move(r).error();
  auto prepared = prepare_policy(ctx, name_or_path, knob_settings);
  if (!prepared)
    return std::move(prepared).error();
  const PolicyObject& policy = prepared->policy;
  Outcome out;
  out.message = "policy '" + policy.name() + "' (" + policy.path() +
                ") is valid: " + std::to_string(policy.program_count()) +
                (policy.program_count() == 1 ? " program" : " programs") +
                " verified, bpf_testmod accepted its value";
  // Under enforcement the load above already proved the signature; say
  // whether it would hold if enforcement were turned on.
  Enforcement e = read_enforcement();
  auto trusted = read_trusted_programs();
  if (trusted) {
    PolicyTrust t = policy_trust(policy.path(), *trusted, e.pinned_signer);
    if (t.trusted)
      out.notes.push_back("signed: a trusted signature by key " + t.signer +
                          " covers every program");
    else if (!e.required)
      out.notes.push_back("not signed by a trusted key (" + t.untrusted +
                          "): with require_signed_policies=1 bpf_testmod would refuse it");
  }
  return out;
}

Result<Outcome> sign_policy_file(const Context& ctx, const std::string& name_or_path,
                                 const std::string& key_path, const std::string& cert_path) {
  auto path = find_policy(name_or_path, ctx.search_dirs);
  if (!path)
    return std::move(path).error();
  const std::string key = key_path.empty() ? dkms_signing_key_path() : key_path;
  const std::string cert = cert_path.empty() ? dkms_certificate_path() : cert_path;
  if (auto r = sign_policy(*path, key, cert); !r)
    return std::move(r).error();
  auto skid = certificate_skid(cert);
  Outcome out;
  out.message = "signed '" + *path + "': " + signature_path(*path) +
                (skid ? " (key " + *skid + ")" : std::string());
  return out;
}

Result<Outcome> detach_policy(const Context& ctx) {
  if (auto r = require_bpf_privileges("detaching a policy"); !r)
    return std::move(r).error();
  std::optional<ModuleBtf> kernel;
  if (module_loaded()) {
    auto k = load_module_btf();
    if (k)
      kernel = std::move(k).value();
  }
  auto pin = open_pinned_link(ctx.pin_path, kernel ? kernel->btf_id : 0,
                              kernel ? kernel->ops.value_type_id : 0);
  if (!pin)
    return std::move(pin).error();
  Outcome out;
  switch (pin->state) {
    case PinState::absent: {
      const std::string active = module_loaded() ? status_policy_name() : std::string();
      if (!active.empty())
        return make_error(ErrorKind::other,
                          "policy '" + active + "' is attached, but not through " + ctx.pin_path +
                              " (a structops-load --foreground process, or another tool); "
                              "stop that instead");
      if (auto r = remove_previous(ctx.pin_path); !r)
        return std::move(r).error();
      out.message = "no policy attached";
      return out;
    }
    case PinState::stale:
      if (pin->link_fd)
        (void)detach_link(pin->link_fd.get());  // a detached link says 0 again
      if (auto r = remove_pin(ctx.pin_path); !r)
        return std::move(r).error();
      out.notes.push_back("removed the stale pin " + ctx.pin_path + ": " + pin->stale_reason);
      if (auto r = remove_previous(ctx.pin_path); !r)
        return std::move(r).error();
      out.message = "no policy attached";
      return out;
    case PinState::active:
      break;
  }
  const std::string name =
      kernel ? policy_name_of_map(pin->map_fd.get(), ops_layout_of(kernel->ops, kernel->btf_id))
             : status_policy_name();
  // Unpin before detaching: once the link is detached another loader may
  // attach and pin a new one, and removing the pin after that would remove
  // its pin (its policy would then die with it).  The fd we hold keeps the
  // link until BPF_LINK_DETACH, or until we exit if that fails.
  if (auto r = remove_pin(ctx.pin_path); !r)
    return std::move(r).error();
  // The previous policy's map holds a reference on the module too: after
  // --detach, rmmod must work.  Released before the detach, which wakes a
  // loader holding this policy on probation: it must find no previous
  // policy to go back to, or it would attach that again.
  if (auto r = remove_previous(ctx.pin_path); !r)
    return std::move(r).error();
  if (auto r = detach_link(pin->link_fd.get()); !r)
    return std::move(r).error();
  out.message = "detached '" + (name.empty() ? std::string("(unknown)") : name) + "'";
  // The kernel frees the detached policy's maps and programs (each holds
  // the module) a moment later, longer for programs that call the module's
  // kfunc: return when rmmod works, as documented, with a bound.
  pin->link_fd.reset();
  pin->map_fd.reset();
  if (!wait_module_unused(std::chrono::seconds(5)))
    out.notes.push_back(
        "bpf_testmod is still in use 5 s after the detach (another tool's policy or map?): "
        "rmmod bpf_testmod may fail until that is gone");
  return out;
}

static bool same_vars(const std::vector<StatVar>& a, const std::vector<StatVar>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.values == y.values;
  });
}

Result<Outcome> restore_policy(const Context& ctx) {
  if (auto r = require_bpf_privileges("restoring a policy"); !r)
    return std::move(r).error();
  auto config = read_config(ctx.config_path);
  Outcome out;
  if (!config) {
    if (config.error().code == ENOENT) {
      out.message = "no configuration file " + ctx.config_path + "; nothing to restore";
      return out;
    }
    return std::move(config).error();
  }
  if (!config->policy) {
    out.message = ctx.config_path + " names no policy; nothing to restore";
    return out;
  }
  // The apply step of configuration management: when the configured policy
  // is attached already (pinned, same name, same knob values), nothing is
  // swapped and the answer is still success.
  auto path = find_policy(*config->policy, ctx.search_dirs);
  if (!path)
    return std::move(path).error();
  auto wanted = PolicyObject::open(*path);
  if (!wanted)
    return std::move(wanted).error();
  if (auto r = wanted->set_knobs(config->sets); !r)
    return std::move(r).error();
  if (module_loaded() && status_policy_name() == wanted->name()) {
    StatusReport now = gather_status(ctx);
    if (now.pin_state == "active" && now.policy == wanted->name() &&
        same_vars(now.knobs, wanted->knob_values())) {
      out.message = "'" + wanted->name() + "' is attached already as " + ctx.config_path +
                    " says; nothing to do";
      return out;
    }
  }
  return attach_policy(ctx, *config->policy, config->sets);
}

Result<Outcome> save_policy(const Context& ctx, const std::string& name_or_path,
                            const std::vector<std::string>& knob_settings) {
  Config c;
  // A path is saved absolute: boot does not run in today's directory.
  c.policy = is_policy_path(name_or_path) ? fs::absolute(name_or_path).lexically_normal().string()
                                          : name_or_path;
  c.sets = knob_settings;
  if (auto r = save_config(ctx.config_path, c); !r)
    return std::move(r).error();
  Outcome out;
  out.message = "saved '" + *c.policy + "' in " + ctx.config_path;
  return out;
}

Result<Outcome> load_module() {
  const bool was_loaded = module_loaded();
  if (auto r = ensure_module_loaded(); !r)
    return std::move(r).error();
  Outcome out;
  out.message = was_loaded ? "bpf_testmod is already loaded" : "loaded bpf_testmod";
  return out;
}

Result<Outcome> list_policies(const Context& ctx) {
  std::vector<PolicyEntry> entries = find_policy_files(ctx.search_dirs);
  Outcome out;
  if (entries.empty()) {
    std::string dirs;
    for (const std::string& d : ctx.search_dirs)
      dirs += (dirs.empty() ? "" : ":") + d;
    out.notes.push_back("no policies found in " + dirs);
    return out;
  }
  const std::string active = module_loaded() ? status_policy_name() : std::string();
  size_t width = 0;
  for (const PolicyEntry& e : entries)
    width = std::max(width, e.name.size());
  for (const PolicyEntry& e : entries) {
    auto desc = read_policy_description(e.path);
    std::string text = desc ? *desc : "(" + desc.error().message + ")";
    std::string line = (e.name == active ? "* " : "  ") + e.name;
    if (!text.empty() || ctx.verbose)
      line += std::string(width - e.name.size() + 2, ' ') + text;
    if (ctx.verbose)
      line += (text.empty() ? "" : "  ") + std::string("[") + e.path + "]";
    out.message += line + "\n";
  }
  out.message.pop_back();  // the CLI adds the last newline
  return out;
}

}  // namespace structops
