#pragma once
// The table's rows, by group (rows_*.cpp), and what their apply() functions share. Internal to
// zc_settings: everyone else reads the table through table.hpp.
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "settings/table.hpp"

namespace zc::settings::rows {

using Why = std::optional<std::string>;

inline const std::string& text(const Value& v) {
  return std::get<std::string>(v);
}
inline const std::vector<std::string>& items(const Value& v) {
  return std::get<std::vector<std::string>>(v);
}
inline int64_t integer(const Value& v) {
  return std::get<int64_t>(v);
}
inline uint32_t u32(const Value& v) {
  return static_cast<uint32_t>(std::get<int64_t>(v));
}
inline double number(const Value& v) {
  return std::get<double>(v);
}
inline bool flag(const Value& v) {
  return std::get<bool>(v);
}

inline Why one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  size_t i = 0;
  for (const char* a : allowed) {
    if (v == a) return std::nullopt;
    list += i == 0 ? "" : (i + 1 == allowed.size() ? " or " : ", ");
    list += a;
    ++i;
  }
  return "must be " + list;
}

// A size WIDTHxHEIGHT, or empty: none.
inline Why size_or_none(const std::string& v, std::optional<session::Size>& into) {
  if (v.empty()) {
    into.reset();
    return std::nullopt;
  }
  auto size = session::parse_size(v);
  if (!size) return size.error().message;
  into = *size;
  return std::nullopt;
}

// What to capture and where to, the video's encoding, when to stop.
void add_capture(std::vector<Setting>& t);
// The sound, and the built-in test source.
void add_sound(std::vector<Setting>& t);
// The daemon's own settings.
void add_daemon(std::vector<Setting>& t);
// [shortcuts]: global shortcuts through the desktop portal.
void add_shortcuts(std::vector<Setting>& t);
// The process's toggles: environment variables only.
void add_process(std::vector<Setting>& t);

}  // namespace zc::settings::rows
