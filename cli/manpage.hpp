#pragma once
// docent(1) in troff, written from the command tree and the help topics (`docent help --man`;
// the build installs its output).
#include <CLI/CLI.hpp>

#include <string>

namespace docent::cli {
std::string manual_page(const CLI::App& app);
}
