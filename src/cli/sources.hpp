#pragma once
// `zerocast sources`: what `record --source` and `--audio` can name on this PipeWire graph now,
// written as those options take it (node:ID, serial:N, name:NODE, app:NAME).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace zc::cli {

std::function<int()> add_sources_command(CLI::App& app);

// The listing for `nodes` (pure): video sources, then sound, each line an option value first.
std::string sources_text(const std::vector<capture::NodeInfo>& nodes);

}  // namespace zc::cli
