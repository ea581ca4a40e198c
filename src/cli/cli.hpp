#pragma once
// The zerocast command line (CLI11): one function per subcommand, each returning the exit code.
#include <functional>

#include <CLI/CLI.hpp>

#include "settings/environment.hpp"
#include "settings/settings.hpp"

namespace zc::cli {

// What main() read before the command line: the environment, and the settings it gives the record
// command (the table's defaults with the process's environment variables applied).
struct Context {
  settings::Environment env;
  settings::Settings settings;
};

// Registers `record` on `app`; the returned callback runs it (after parsing) and gives its exit code.
std::function<int()> add_record_command(CLI::App& app, const Context& context);
std::function<int()> add_test_source_command(CLI::App& app);
std::function<int()> add_daemon_command(CLI::App& app, const Context& context);
std::function<int()> add_ctl_command(CLI::App& app);
std::function<int()> add_probe_command(CLI::App& app, const Context& context);  // probe.cpp

// Every subcommand's callback, as add_commands registered them.
struct Commands {
  std::function<int()> record, test_source, daemon, ctl, probe, sources;
};
// The whole command line on `app` (commands.cpp): its description, --version and every
// subcommand. main() parses with it; the man page and the shell completions are made from it
// (cli/docgen), so they name what the parser takes.
Commands add_commands(CLI::App& app, const Context& context);

}  // namespace zc::cli
