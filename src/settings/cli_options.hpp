#pragma once
// The command line's door: CLI11 options made from the table for one command, their values taken
// as text and read by the table (so "--bitrate abc" and "--bitrate 900000" get the table's
// messages, naming the option), and applied after CLI11 has parsed.
//   record: every setting with a record option (Doors::cli) and its extra flags (--low-latency).
//   daemon: the daemon's own options (Doors::daemon_cli and --source), as config overrides.
//   ctl start: every StartCapture option, sent as its D-Bus type.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "settings/capture_options.hpp"
#include "settings/config_file.hpp"
#include "settings/table.hpp"

namespace zc::settings {

class CommandLine {
 public:
  enum class For : uint8_t { record, daemon, ctl_start };

  // Adds the options of `command` to `app`. The CommandLine must outlive the parse.
  void add_options(CLI::App& app, For command);

  // What was given, into `settings` (record). Errc::invalid_argument (stage "options") naming the
  // option: "--bitrate must be 0..500000".
  Result<void> apply(Settings& settings) const;
  // What was given, as config overrides by key (daemon).
  void add_overrides(ConfigOverrides& overrides) const;
  // What was given, as StartCapture's options (ctl start). `relative` turns relative output paths
  // into absolute ones (the daemon runs elsewhere).
  Result<OptionMap> options(std::string (*absolute)(const std::string&)) const;

 private:
  struct Entry {
    const Setting* setting = nullptr;
    std::string name;  // how errors name it: "--bitrate"
    CLI::Option* option = nullptr;
    std::string text;
    std::vector<std::string> items;
    bool flag = false;
    std::string value_of_flag;  // a flag that gives a text setting this value ("--low-latency")
  };
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace zc::settings
