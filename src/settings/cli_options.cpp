#include "settings/cli_options.hpp"

namespace zc::settings {
namespace {

// "-o,--output" → "--output": the long name, for messages.
std::string long_name(std::string_view names) {
  const auto comma = names.rfind(',');
  return std::string(comma == std::string_view::npos ? names : names.substr(comma + 1));
}

std::string help_of(const Setting& s, bool with_default) {
  std::string help(s.help);
  if (with_default && !s.record_default.empty() && s.kind != Kind::flag) {
    help += " (default: " + std::string(s.record_default) + ")";
  }
  return help;
}

}  // namespace

void CommandLine::add_options(CLI::App& app, For command) {
  for (const auto& row : table()) {
    std::string_view names;
    switch (command) {
      case For::record:
        names = row.doors.cli;
        break;
      case For::daemon:
        names = row.doors.daemon_cli;
        break;
      case For::ctl_start:
        if (row.doors.dbus.empty()) continue;
        names = row.doors.cli.empty() ? row.doors.daemon_cli : row.doors.cli;
        break;
    }
    std::vector<CLI::Option*> flags;
    if (!names.empty()) {
      auto e = std::make_unique<Entry>();
      e->setting = &row;
      e->name = long_name(names);
      const bool record = command == For::record;
      if (row.kind == Kind::flag) {
        e->option = app.add_flag(std::string(names), e->flag, help_of(row, false));
      } else if (row.kind == Kind::list) {
        e->option =
            app.add_option(std::string(names), e->items, help_of(row, record))->type_name(std::string(row.hint));
      } else {
        e->option = app.add_option(std::string(names), e->text, help_of(row, record))->type_name(std::string(row.hint));
      }
      flags.push_back(e->option);
      entries_.push_back(std::move(e));
    }
    if (command == For::daemon) continue;
    for (const auto& f : row.cli_flags) {
      auto e = std::make_unique<Entry>();
      e->setting = &row;
      e->name = std::string(f.flag);
      e->value_of_flag = std::string(f.value);
      e->option = app.add_flag(std::string(f.flag), e->flag, std::string(f.help));
      for (auto* other : flags)
        e->option->excludes(other);
      flags.push_back(e->option);
      entries_.push_back(std::move(e));
    }
  }
}

Result<void> CommandLine::apply(Settings& settings) const {
  for (const auto& e : entries_) {
    if (e->option->count() == 0) continue;
    Input input;
    if (!e->value_of_flag.empty()) {
      input = e->value_of_flag;
    } else if (e->setting->kind == Kind::flag) {
      input = e->setting->negated_flag ? !e->flag : e->flag;
    } else if (e->setting->kind == Kind::list) {
      input = e->items;
    } else {
      input = e->text;
    }
    if (auto ok = set(settings, *e->setting, input, kFromCommand, e->name, "options"); !ok) return ok;
  }
  return {};
}

void CommandLine::add_overrides(ConfigOverrides& overrides) const {
  for (const auto& e : entries_) {
    if (e->option->count() == 0 || e->setting->doors.toml.empty()) continue;
    overrides[std::string(e->setting->doors.toml)] = e->text;
  }
}

Result<OptionMap> CommandLine::options(std::string (*absolute)(const std::string&)) const {
  OptionMap out;
  for (const auto& e : entries_) {
    if (e->option->count() == 0) continue;
    const std::string key(e->setting->doors.dbus);
    if (!e->value_of_flag.empty()) {
      out[key] = e->value_of_flag;
    } else if (e->setting->kind == Kind::flag) {
      out[key] = e->setting->negated_flag ? !e->flag : e->flag;
    } else if (e->setting->kind == Kind::list) {
      std::vector<std::string> items = e->items;
      if (key == "outputs") {
        for (auto& item : items)
          item = absolute(item);
      }
      out[key] = items;
    } else {
      // Read here as the daemon will read it, so a typo is refused before anything is sent.
      auto value = value_of(*e->setting, Input{e->text}, kFromCommand);
      if (!value) return fail(Errc::invalid_argument, "options", e->name + " " + value.error().message);
      if (const auto* i = std::get_if<int64_t>(&*value)) {
        out[key] = static_cast<uint64_t>(*i);
      } else if (const auto* d = std::get_if<double>(&*value)) {
        out[key] = *d;
      } else {
        out[key] = e->text;
      }
    }
  }
  return out;
}

}  // namespace zc::settings
