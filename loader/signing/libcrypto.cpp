#include "signing/libcrypto.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include <openssl/opensslv.h>

namespace structops {
namespace {

#define STRUCTOPS_STR(x) #x
#define STRUCTOPS_XSTR(x) STRUCTOPS_STR(x)
// The soname the build's headers belong to: libcrypto.so.3 for OpenSSL 3.x.
constexpr const char* kSoname = "libcrypto.so." STRUCTOPS_XSTR(OPENSSL_SHLIB_VERSION);

Result<const Libcrypto*> load() {
  auto unavailable = [](const std::string& why) -> Error {
    return make_error(ErrorKind::unavailable,
                      std::string("cannot use OpenSSL (") + kSoname + "), which signing and " +
                          "reading policy signatures need: " + why +
                          " (is the libssl3 or libssl3t64 package installed?)");
  };
  // Never closed: the functions and the objects they made live as long as
  // the process.
  void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return unavailable(dlerror());
  static Libcrypto table;
  const char* missing = nullptr;
#define STRUCTOPS_LIBCRYPTO_RESOLVE(name)                                  \
  table.name = reinterpret_cast<decltype(table.name)>(dlsym(handle, #name)); \
  if (!table.name && !missing)                                             \
    missing = #name;
  STRUCTOPS_LIBCRYPTO_FUNCTIONS(STRUCTOPS_LIBCRYPTO_RESOLVE)
#undef STRUCTOPS_LIBCRYPTO_RESOLVE
  if (missing)
    return unavailable(std::string("it has no function ") + missing);
  return &table;
}

}  // namespace

Result<const Libcrypto*> open_libcrypto() {
  // Once per process, success or failure alike.
  static const Result<const Libcrypto*> table = load();
  return table;
}

const Libcrypto& libcrypto() {
  auto table = open_libcrypto();
  if (!table)
    std::abort();
  return **table;
}

}  // namespace structops
