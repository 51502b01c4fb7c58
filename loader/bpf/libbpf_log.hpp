// Routes libbpf's messages: warnings always to stderr (never stdout, which
// carries results), info and debug only with -v.
#pragma once

namespace structops {

void install_libbpf_logger(bool verbose);

}  // namespace structops
