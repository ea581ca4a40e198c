#pragma once
// The zerocast command line (CLI11): one function per subcommand, each returning the exit code.
#include <CLI/CLI.hpp>

namespace zc::cli {

// Registers `record` on `app`; the returned callback runs it (after parsing) and gives its exit code.
std::function<int()> add_record_command(CLI::App& app);
std::function<int()> add_test_source_command(CLI::App& app);
std::function<int()> add_daemon_command(CLI::App& app);
std::function<int()> add_ctl_command(CLI::App& app);
std::function<int()> add_probe_command(CLI::App& app);  // cli_probe.cpp

}  // namespace zc::cli
