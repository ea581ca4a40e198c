#pragma once
// Where the ScreenCast portal's restore token lives between runs: one file per kind of source in
// $XDG_STATE_HOME/zerocast/ (default ~/.local/state/zerocast/), replaced atomically after every
// Start, readable by the user only (the token lets this user skip the portal's dialog).
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace zc::capture {

// ScreenCast source types (the portal's bitmask).
enum PortalSourceType : uint32_t {
  kPortalMonitor = 1,
  kPortalWindow = 2,
  kPortalVirtual = 4,
};

// "monitor", "window+virtual", ...
std::string describe_source_types(uint32_t types);

// STATE_DIR/restore-token for monitors (the default), .../restore-token-window,
// .../restore-token-monitor+window, ... for other kinds: a token restores the selection it was
// made for, so each kind keeps its own. `state_dir` is zerocast's state directory
// ($XDG_STATE_HOME/zerocast: settings::Environment::state_dir). Errc::not_found when it is empty
// (neither XDG_STATE_HOME nor HOME is set).
Result<std::string> default_token_path(const std::string& state_dir, uint32_t source_types);

// The stored token, or nullopt when there is none (missing or empty file). Errc::io when the
// file exists but cannot be read.
Result<std::optional<std::string>> read_token(const std::string& path);

// Replaces the file atomically (a temporary file in the same directory, fsync, rename), creating
// the directory (0700) as needed; the file is 0600.
Result<void> write_token(const std::string& path, const std::string& token);

// Removes the file (a token the portal rejected). Missing is fine.
void remove_token(const std::string& path);

}  // namespace zc::capture
