#pragma once
// The one strict number parser for options, environment variables, config values and PipeWire
// properties: the whole text is the number, or there is none.
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace zc {

// `text` as a T when all of it is one number in T's range: no spaces, no leading '+', no sign for
// an unsigned T, nothing after it; a floating-point T must be finite. nullopt otherwise, and for
// empty text. Decimal only, as std::from_chars reads it.
template <class T>
std::optional<T> parse_number(std::string_view text) {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
  if (text.empty()) return std::nullopt;
  T value{};
  const char* const end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || stop != end) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

// A length of time in seconds: a number with an optional unit (s, m, h), or several such parts
// ("1h30m", "2m5.5s"); a bare number is seconds. nullopt for anything else and for a negative
// part. 0 is returned as 0 (the caller decides whether it means anything).
inline std::optional<double> parse_duration_s(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
      ++digits;
    const auto value = parse_number<double>(text.substr(0, digits));
    if (!value) return std::nullopt;
    text.remove_prefix(digits);
    double unit = 1;
    if (!text.empty()) {
      switch (text.front()) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        default:
          return std::nullopt;
      }
      text.remove_prefix(1);
    } else if (total != 0) {
      return std::nullopt;  // "1m30": the last part's unit is missing
    }
    total += *value * unit;
  }
  return total;
}

}  // namespace zc
