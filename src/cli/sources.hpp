#pragma once
// `zerocast sources [--json]`: what `record --source` and `--audio` can name on this PipeWire
// graph now, written as those options take it (node:ID, serial:N, name:NODE, app:NAME).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "service/source_list.hpp"

namespace zc::cli {

// The listing for people: each line an option value (shell-quoted) first, then what it is.
std::string sources_text(const service::SourceList& list);

std::function<int()> add_sources_command(CLI::App& app);

}  // namespace zc::cli
