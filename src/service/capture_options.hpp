#pragma once
// StartCapture's a{sv} options, checked against the config: what to capture, where to, how.
// Pure logic (the D-Bus layer turns variants into OptionValues), so every refusal is unit-tested.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "service/config.hpp"
#include "session/record_options.hpp"

namespace zc::service {

// A D-Bus variant's value: strings (s, o), string arrays (as), signed (n, i, x) and unsigned
// (y, q, u, t) integers, doubles (d), booleans (b).
using OptionValue = std::variant<std::string, std::vector<std::string>, int64_t, uint64_t, double, bool>;
using OptionMap = std::map<std::string, OptionValue>;

struct CaptureSpec {
  session::RecordOptions record;
  uint32_t replay_seconds = 0;  // 0: no replay buffer
  size_t replay_max_bytes = 0;
};

// The option names StartCapture knows, with their D-Bus types, for errors and documentation.
struct OptionInfo {
  const char* name;
  const char* type;  // "s", "as", "u", "b"
  const char* help;
};
const std::vector<OptionInfo>& capture_option_list();

// Errc::invalid_argument naming the option (unknown, wrong type, out of range, relative path);
// Errc::unsupported for a codec the container cannot carry.
Result<CaptureSpec> capture_spec(const Config& config, const OptionMap& options);

}  // namespace zc::service
