#pragma once
// What the tests ask of the texts they read (errors, logs, summaries).
#include <string>

namespace zc::test {

// `part` occurs in `text`.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace zc::test
