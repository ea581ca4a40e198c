#pragma once
// Credentials inside URLs (user:password, RTMP stream keys, SRT passphrases and stream ids, token
// query parameters) must never reach logs, status lines or errors.
#include <string>
#include <string_view>
#include <vector>

namespace zc {

// The URL with every credential replaced by "***". Paths and non-URLs come back unchanged.
std::string redact_url(std::string_view url);

// The secret substrings of a URL (what redact_url hides), so the logger can also scrub them from
// messages that libraries format themselves.
std::vector<std::string> url_secrets(std::string_view url);

}  // namespace zc
