#pragma once
// The command line as plain data, read from the CLI11 objects main() parses with (cli/commands):
// every command, option, positional, value form and help text. The man page and the bash, zsh
// and fish completions are written from it at build time (zc_docgen), so they name exactly what
// the parser takes.
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace zc::cli {

struct OptionRef {
  std::vector<std::string> names;  // "-o", "--output"; a positional's name alone ("file")
  std::string value;               // the value's form as --help shows it ("h264 | hevc | av1"); empty: a flag
  std::string help;
  // What a shell completes for the value: words, and prefixes that end in ':' ("node:").
  std::vector<std::string> forms;
  bool files = false;       // the value is a path (FILE, PATH)
  bool repeatable = false;  // given more than once, each adds a value
  bool positional = false;
  bool required = false;
};

struct CommandRef {
  std::string name;  // "" for zerocast itself
  std::string help;
  std::string footer;
  std::vector<OptionRef> options;  // --help first, as CLI11 lists them
  std::vector<OptionRef> positionals;
  std::vector<CommandRef> commands;
};

// `app` and its subcommands, in the order they were added.
CommandRef describe(const CLI::App& app);

// A hint's alternatives that a shell can complete: "h264 | hevc | av1" → h264 hevc av1;
// "test | node:ID | portal[:monitor|window|virtual]" → test node: portal portal:monitor ...;
// placeholders (UPPER case) and free forms are left out, and so are numbers when no alternative
// is a word ("5 | 5s | 2m" are examples of a length, not choices).
std::vector<std::string> forms_of(std::string_view hint);

// The man page's source (scdoc) from `man_template`, its @COMMANDS@, @ENVIRONMENT@ and
// @CONFIGURATION@ lines replaced by sections made from `zerocast` and the settings table.
std::string man_page(const CommandRef& zerocast, const std::string& man_template);

std::string bash_completion(const CommandRef& zerocast);
std::string zsh_completion(const CommandRef& zerocast);
std::string fish_completion(const CommandRef& zerocast);

}  // namespace zc::cli
