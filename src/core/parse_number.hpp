#pragma once
// The one strict number parser for options, environment variables, config values and PipeWire
// properties: the whole text is the number, or there is none.
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

}  // namespace zc
