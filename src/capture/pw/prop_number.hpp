#pragma once
// A PipeWire object's property as a number (ids, serials), read as every other number of ours is
// (core/parse_number.hpp).
#include <optional>

#include <spa/utils/dict.h>

#include "core/parse_number.hpp"

namespace zc::capture {

// nullopt when `props` is null, the key is absent, or its value is not a T.
template <class T>
std::optional<T> prop_number(const spa_dict* props, const char* key) {
  const char* v = props ? spa_dict_lookup(props, key) : nullptr;
  if (!v) return std::nullopt;
  return parse_number<T>(v);
}

}  // namespace zc::capture
