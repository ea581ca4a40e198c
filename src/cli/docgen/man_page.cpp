// zerocast(1) in scdoc's language: the template's prose, and sections made from the command line
// and the settings table.
#include <algorithm>
#include <cstddef>

#include "cli/docgen/reference.hpp"
#include "settings/table.hpp"

namespace zc::cli {
namespace {

// Text as scdoc shows it: its formatting characters escaped.
std::string esc(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '*' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

// An indented paragraph: a text that begins with '-' or '.' would begin a list.
std::string paragraph(std::string text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '.')) text.insert(0, "\\");
  return "\t" + text + "\n\n";
}

std::string option_entry(const OptionRef& o) {
  std::string line;
  if (o.positional) {
    line = "_" + esc(o.names.front()) + "_";
  } else {
    for (size_t n = 0; n < o.names.size(); ++n)
      line += (n == 0 ? "*" : ", *") + esc(o.names[n]) + "*";
    if (!o.value.empty()) line += " _" + esc(o.value) + "_";
  }
  std::string help = esc(o.help);
  if (o.repeatable && help.find("repeatable") == std::string::npos) help += " (repeatable)";
  return line + "\n" + paragraph(help);
}

bool is_help(const OptionRef& o) {
  return !o.names.empty() && o.names.back() == "--help";
}

std::string synopsis_of(const CommandRef& c, const std::string& path) {
  std::string line = "*" + esc(path) + "*";
  if (std::any_of(c.options.begin(), c.options.end(), [](const OptionRef& o) { return !is_help(o); })) {
    line += " [_options_]";
  }
  for (const auto& p : c.positionals)
    line += p.required ? " _" + esc(p.names.front()) + "_" : " [_" + esc(p.names.front()) + "_]";
  if (!c.commands.empty()) line += " _command_";
  return line;
}

void add_commands(std::string& out, const CommandRef& c, const std::string& path) {
  for (const auto& sub : c.commands) {
    const std::string at = path + " " + sub.name;
    out += "## " + esc(at) + "\n\n" + synopsis_of(sub, at) + "\n\n" + esc(sub.help) + ".\n\n";
    for (const auto& p : sub.positionals)
      out += option_entry(p);
    for (const auto& o : sub.options) {
      if (!is_help(o)) out += option_entry(o);
    }
    if (!sub.footer.empty()) out += esc(sub.footer) + "\n\n";
    add_commands(out, sub, at);
  }
}

std::string commands_section(const CommandRef& zerocast) {
  std::string out = "# OPTIONS\n\n";
  for (const auto& o : zerocast.options)
    out += option_entry(o);
  out += "# COMMANDS\n\nEvery command takes *-h*, *--help*: its options and what they do.\n\n";
  add_commands(out, zerocast, "zerocast");
  return out;
}

// In the environment a flag is 1 or 0 (or yes, on...), in TOML true or false.
std::string value_of(const settings::Setting& s, bool toml) {
  if (s.kind == settings::Kind::flag) return toml ? "true | false" : "1 | 0";
  return std::string(s.hint);
}

std::string default_of(const settings::Setting& s, bool daemon) {
  const std::string_view d = daemon && !s.daemon_default.empty() ? s.daemon_default : s.record_default;
  return d.empty() ? "" : " (default: " + std::string(d) + ")";
}

std::string entry(std::string_view name, const std::string& value, const std::string& text) {
  std::string line = "*" + esc(name) + "*";
  if (!value.empty()) line += " _" + esc(value) + "_";
  return line + "\n" + paragraph(text);
}

std::string environment_section() {
  std::string out;
  for (const auto& s : settings::table()) {
    if (s.doors.env.empty()) continue;
    std::string text = esc(s.help) + esc(default_of(s, !s.doors.toml.empty()));
    if (!s.doors.toml.empty()) text += "; the config key *" + esc(s.doors.toml) + "*";
    if (!s.doors.env_alias.empty()) text += "; also *" + esc(s.doors.env_alias) + "*, which every command reads";
    out += entry(s.doors.env, value_of(s, false), text + ".");
  }
  return out;
}

std::string configuration_section() {
  std::string out;
  for (const auto& s : settings::table()) {
    if (s.doors.toml.empty()) continue;
    std::string text = esc(s.help) + esc(default_of(s, true));
    if (!s.doors.cli.empty()) text += "; *record* option *" + esc(s.doors.cli) + "*";
    if (!s.doors.daemon_cli.empty()) text += "; *daemon* option *" + esc(s.doors.daemon_cli) + "*";
    out += entry(s.doors.toml, value_of(s, true), text + ".");
  }
  return out;
}

// The line that is `marker` alone, replaced.
void replace_line(std::string& text, std::string_view marker, const std::string& with) {
  const std::string line = "\n" + std::string(marker) + "\n";
  const auto at = text.find(line);
  if (at != std::string::npos) text.replace(at + 1, line.size() - 1, with);
}

}  // namespace

std::string man_page(const CommandRef& zerocast, const std::string& man_template) {
  std::string out = man_template;
  replace_line(out, "@COMMANDS@", commands_section(zerocast));
  replace_line(out, "@ENVIRONMENT@", environment_section());
  replace_line(out, "@CONFIGURATION@", configuration_section());
  for (size_t at = out.find("@VERSION@"); at != std::string::npos; at = out.find("@VERSION@", at))
    out.replace(at, 9, ZEROCAST_VERSION);
  return out;
}

}  // namespace zc::cli
