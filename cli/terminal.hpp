#pragma once
// Terminal codes (colour, line clearing) only where a person is looking: on a terminal, never
// when redirected, never with NO_COLOR set (https://no-color.org), never with TERM=dumb.
#include <string_view>

namespace docent::cli {

bool codes_allowed(int fd);
// A reasoning model's <think> text on stderr: dimmed when codes are allowed there, plain otherwise.
void print_thinking(std::string_view text);

}  // namespace docent::cli
