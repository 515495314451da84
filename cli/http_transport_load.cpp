// Finds and loads docent-http.so, the transport `docent serve` uses (see http_transport.hpp).
#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>

#include "http_transport.hpp"

namespace docent::cli {

std::unique_ptr<HttpTransport> load_http_transport() {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path binary_dir = fs::read_symlink("/proc/self/exe", error).parent_path();
  // Beside the binary in a build tree; the install's library folder otherwise.
  const fs::path candidates[] = {binary_dir / "docent-http.so",
                                 (binary_dir / DOCENT_HTTP_PLUGIN_FROM_BINDIR / "docent-http.so").lexically_normal()};
  std::string tried, reasons;
  for (const auto& candidate : candidates) {
    tried += (tried.empty() ? "" : ", ") + candidate.string();
    if (!fs::exists(candidate, error)) continue;
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      reasons += std::string("; ") + ::dlerror();
      continue;
    }
    auto create = reinterpret_cast<CreateHttpTransport>(::dlsym(handle, kCreateHttpTransportSymbol));
    if (create == nullptr) {
      reasons += "; " + candidate.string() + " has no " + kCreateHttpTransportSymbol;
      continue;
    }
    // The library stays loaded for the life of the process (its code runs until exit).
    return std::unique_ptr<HttpTransport>(create());
  }
  throw std::runtime_error("the HTTP transport (docent-http.so) is not installed: looked at " + tried + reasons +
                           "; reinstall docent (scripts/setup.sh)");
}

}  // namespace docent::cli
