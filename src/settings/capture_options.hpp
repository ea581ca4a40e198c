#pragma once
// StartCapture's a{sv} options over the daemon's settings: what to capture, where to, how. Pure
// logic (the D-Bus layer turns variants into Inputs), so every refusal is unit-tested.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "session/record_options.hpp"
#include "settings/table.hpp"

namespace zc::settings {

// A D-Bus variant's value: strings (s, o), string arrays (as), signed (n, i, x) and unsigned
// (y, q, u, t) integers, doubles (d), booleans (b).
using OptionValue = Input;
using OptionMap = std::map<std::string, OptionValue>;

struct CaptureSpec {
  session::RecordOptions record;
  uint32_t replay_seconds = 0;  // 0: no replay buffer
  size_t replay_max_bytes = 0;
};

// The option names StartCapture takes, with their D-Bus types, for errors and documentation.
struct OptionInfo {
  std::string name;
  std::string type;  // "s", "as", "u", "b", "d"
  std::string help;
};
std::vector<OptionInfo> capture_option_list();

// Errc::invalid_argument naming the option (unknown, wrong type, out of range, relative path);
// Errc::unsupported for a codec the container cannot carry.
Result<CaptureSpec> capture_spec(const Settings& config, const OptionMap& options, uint32_t id = 0);

}  // namespace zc::settings
