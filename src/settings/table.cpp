#include "settings/table.hpp"

#include <cassert>
#include <cmath>
#include <sstream>

#include "core/parse_number.hpp"
#include "settings/rows.hpp"

namespace zc::settings {
namespace {

std::string format_number(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e18) return std::to_string(static_cast<int64_t>(x));
  std::ostringstream out;
  out << x;
  return out.str();
}

std::vector<Setting> make_table() {
  std::vector<Setting> t;
  rows::add_capture(t);
  rows::add_sound(t);
  rows::add_daemon(t);
  rows::add_shortcuts(t);
  rows::add_process(t);
  return t;
}

std::string kind_of(const Input& input) {
  switch (input.index()) {
    case 0:
      return "a string";
    case 1:
      return "a list of strings";
    case 2:
    case 3:
      return "an integer";
    case 4:
      return "a number";
    default:
      return "a boolean";
  }
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(';', start), text.size());
    std::string item = text.substr(start, end - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    start = end + 1;
  }
  return out;
}

std::optional<bool> parse_flag(const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return std::nullopt;
}

std::string range_of(const Setting& s) {
  return "must be " + format_number(s.min) + ".." + format_number(s.max);
}

}  // namespace

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::text:
      return "a string";
    case Kind::list:
      return "a list of strings";
    case Kind::integer:
      return "an integer";
    case Kind::number:
      return "a number";
    case Kind::flag:
      return "a boolean";
  }
  return "?";
}

const std::vector<Setting>& table() {
  static const std::vector<Setting> rows = make_table();
  return rows;
}

const Setting* find(std::string_view Doors::*door, std::string_view key) {
  if (key.empty()) return nullptr;
  for (const auto& s : table()) {
    if (s.doors.*door == key) return &s;
  }
  return nullptr;
}

Result<Value> value_of(const Setting& setting, const Input& input, From from) {
  auto wrong = [&] {
    return fail(Errc::invalid_argument, "options",
                "must be " + std::string(to_string(setting.kind)) + ", not " + kind_of(input));
  };
  const std::string* text_in = std::get_if<std::string>(&input);
  const bool list_text = from.split_list;
  // A typed door's string is a string: only text and list settings take one.
  if (text_in && !from.text && setting.kind != Kind::text && setting.kind != Kind::list) return wrong();
  switch (setting.kind) {
    case Kind::text:
      if (!text_in) return wrong();
      return Value{*text_in};
    case Kind::list:
      if (const auto* list = std::get_if<std::vector<std::string>>(&input)) return Value{*list};
      if (!text_in) return wrong();
      if (list_text) return Value{split_list(*text_in)};
      return Value{std::vector<std::string>{*text_in}};
    case Kind::flag:
      if (const auto* b = std::get_if<bool>(&input)) return Value{*b};
      if (text_in) {
        if (auto b = parse_flag(*text_in)) return Value{*b};
        return fail(Errc::invalid_argument, "options", "must be true or false (1 or 0), not '" + *text_in + "'");
      }
      return wrong();
    case Kind::integer: {
      std::optional<double> x;
      if (const auto* i = std::get_if<int64_t>(&input)) x = static_cast<double>(*i);
      if (const auto* u = std::get_if<uint64_t>(&input)) x = static_cast<double>(*u);
      if (text_in) {
        auto n = parse_number<int64_t>(std::string_view(*text_in).substr(!text_in->empty() && (*text_in)[0] == '+'));
        if (!n) return fail(Errc::invalid_argument, "options", range_of(setting) + ", not '" + *text_in + "'");
        x = static_cast<double>(*n);
      }
      if (!x) return wrong();
      if (*x < setting.min || *x > setting.max) return fail(Errc::invalid_argument, "options", range_of(setting));
      return Value{static_cast<int64_t>(*x)};
    }
    case Kind::number: {
      std::optional<double> x;
      if (const auto* d = std::get_if<double>(&input)) x = *d;
      if (const auto* i = std::get_if<int64_t>(&input)) x = static_cast<double>(*i);
      if (const auto* u = std::get_if<uint64_t>(&input)) x = static_cast<double>(*u);
      if (text_in) {
        auto n = parse_number<double>(*text_in);
        if (!n) return fail(Errc::invalid_argument, "options", range_of(setting) + ", not '" + *text_in + "'");
        x = *n;
      }
      if (!x) return wrong();
      if (!std::isfinite(*x) || *x < setting.min || *x > setting.max) {
        return fail(Errc::invalid_argument, "options", range_of(setting));
      }
      return Value{*x};
    }
  }
  return wrong();
}

Result<void> set(Settings& settings, const Setting& setting, const Input& input, From from, const std::string& where,
                 std::string_view stage) {
  auto value = value_of(setting, input, from);
  if (!value) return fail(Errc::invalid_argument, std::string(stage), where + " " + value.error().message);
  if (auto why = setting.apply(settings, *value)) {
    return fail(Errc::invalid_argument, std::string(stage), where + " " + *why);
  }
  return {};
}

Settings defaults(Command command) {
  Settings s;
  for (const auto& row : table()) {
    const std::string_view text =
        command == Command::daemon && row.daemon_default.data() != nullptr ? row.daemon_default : row.record_default;
    [[maybe_unused]] auto ok = set(s, row, Input{std::string(text)}, kFromText, std::string(row.name), "settings");
    assert(ok && "a row of the table refuses its own default");
  }
  return s;
}

}  // namespace zc::settings
