#pragma once
// Output files named by a template rather than spelled out: strftime's % codes (local time, the
// moment the capture starts) and the fields {source} and {id}; a folder (one that exists, or a
// path ending in '/') gets kDefaultName inside it. A named file is then claimed (created, with
// -2, -3 ... on a clash), so two captures started in the same second never share one.
#include <ctime>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace zc::output {

inline constexpr std::string_view kDefaultName = "zerocast-%Y-%m-%d_%H-%M-%S.mkv";

struct NameFields {
  std::string source;  // what is captured ("test", "node:57", "portal"): ':' and '/' become '-'
  std::string id;      // the daemon's capture id; "record" for zerocast record
  std::time_t when = 0;
};

// Whether a file output is a template or a folder (URLs never are).
bool is_template(std::string_view spec);
// The file a template or folder names. Errc::invalid_argument for an unknown {field} or a name
// strftime makes nothing of.
Result<std::string> expand_name(std::string_view spec, const NameFields& fields);
// Creates `path` anew, or the first of path-2.ext, path-3.ext ... that does not exist yet; returns
// the one made (empty, to be written).
Result<std::string> claim_name(const std::string& path);

}  // namespace zc::output
