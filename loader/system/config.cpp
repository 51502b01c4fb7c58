#include "system/config.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "system/atomic_file.hpp"

namespace structops {
namespace po = boost::program_options;

namespace {

po::options_description config_options() {
  po::options_description desc;
  desc.add_options()("policy", po::value<std::string>())(
      "set", po::value<std::vector<std::string>>()->composing());
  return desc;
}

// Boost's parser says what is wrong but not where: the first line whose
// prefix of the file fails to parse is the broken one (the files are a
// few lines long).  0 if no prefix fails on its own.
size_t first_bad_line(const std::string& text) {
  const po::options_description desc = config_options();
  std::string prefix;
  std::istringstream lines(text);
  std::string line;
  for (size_t n = 1; std::getline(lines, line); n++) {
    prefix += line + "\n";
    try {
      po::variables_map vm;
      std::istringstream in(prefix);
      po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
      po::notify(vm);
    } catch (const po::error&) {
      return n;
    }
  }
  return 0;
}

}  // namespace

Result<Config> parse_config(const std::string& text, const std::string& origin) {
  const po::options_description desc = config_options();
  po::variables_map vm;
  try {
    std::istringstream in(text);
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    // "FILE:LINE: what", the form editors and compilers use, then what the
    // file may hold, so that the one line tells the admin how to fix it.
    const size_t line = first_bad_line(text);
    return make_error(ErrorKind::usage,
                      origin + (line ? ":" + std::to_string(line) : std::string()) + ": " +
                          e.what() +
                          "; it holds 'policy = NAME' and 'set = KEY=VALUE' lines and # comments "
                          "(structops-load(8), CONFIGURATION)");
  }
  Config c;
  if (vm.count("policy") && !vm["policy"].as<std::string>().empty())
    c.policy = vm["policy"].as<std::string>();
  if (vm.count("set"))
    c.sets = vm["set"].as<std::vector<std::string>>();
  return c;
}

Result<Config> read_config(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return errno_error(errno, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::string format_config(const Config& config) {
  std::string out =
      "# structops-load configuration: the policy \"structops-load --restore\" attaches\n"
      "# at boot, and its knobs.  Written by \"structops-load --policy ... --save\".\n";
  if (config.policy)
    out += "policy = " + *config.policy + "\n";
  for (const std::string& s : config.sets)
    out += "set = " + s + "\n";
  return out;
}

namespace {

// The key a settings line assigns ("policy", "set"), or "" for a comment,
// a blank line or anything else.
std::string assigned_key(const std::string& line) {
  size_t begin = line.find_first_not_of(" \t");
  if (begin == std::string::npos || line[begin] == '#')
    return {};
  size_t eq = line.find('=', begin);
  if (eq == std::string::npos)
    return {};
  size_t end = line.find_last_not_of(" \t", eq - 1);
  if (end == std::string::npos || end < begin)
    return {};
  return line.substr(begin, end - begin + 1);
}

std::string policy_line(const Config& config) {
  return config.policy ? "policy = " + *config.policy + "\n" : "policy =\n";
}

std::string set_lines(const Config& config) {
  std::string out;
  for (const std::string& s : config.sets)
    out += "set = " + s + "\n";
  return out;
}

}  // namespace

std::string update_config_text(const std::string& text, const Config& config) {
  std::string out;
  bool policy_done = false, sets_done = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::string key = assigned_key(line);
    if (key == "policy") {
      if (!policy_done)
        out += policy_line(config);
      policy_done = true;
    } else if (key == "set") {
      if (!sets_done)
        out += set_lines(config);
      sets_done = true;
    } else {
      out += line + "\n";
    }
  }
  if (!policy_done)
    out += policy_line(config);
  if (!sets_done)
    out += set_lines(config);
  return out;
}

Result<void> save_config(const std::string& path, const Config& config) {
  // An existing file keeps its comments, unless it is broken beyond the
  // lines replaced here (then it is written anew).
  std::string text = format_config(config);
  if (std::ifstream old(path); old) {
    std::stringstream old_text;
    old_text << old.rdbuf();
    std::string updated = update_config_text(old_text.str(), config);
    if (parse_config(updated, path))
      text = std::move(updated);
  }
  return write_file_atomically(path, text, 0644);
}

}  // namespace structops
