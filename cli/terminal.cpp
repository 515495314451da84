#include "terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

namespace docent::cli {

bool codes_allowed(int fd) {
  if (::isatty(fd) != 1) return false;
  if (const char* no_colour = std::getenv("NO_COLOR"); no_colour != nullptr && *no_colour != '\0') return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

void print_thinking(std::string_view text) {
  static const bool dim = codes_allowed(STDERR_FILENO);
  if (dim) std::cerr << "\x1b[2m" << text << "\x1b[0m" << std::flush;
  else std::cerr << text << std::flush;
}

}  // namespace docent::cli
