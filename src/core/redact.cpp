#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace zc {
namespace {

constexpr std::string_view kMask = "***";

// Query parameters whose values are secrets (compared case-insensitively).
constexpr std::array<std::string_view, 12> kSecretParams{
    "passphrase", "password", "pass",   "key",  "streamkey", "stream_key",
    "streamid",   "token",    "secret", "auth", "signature", "sig",
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_secret_param(std::string_view name) {
  const std::string n = lower(name);
  return std::find(kSecretParams.begin(), kSecretParams.end(), n) != kSecretParams.end();
}

struct Span {
  size_t begin;
  size_t end;
};

// Locates the secret spans of `url`; empty when there are none or it is not a URL.
std::vector<Span> secret_spans(std::string_view url) {
  std::vector<Span> spans;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return spans;
  const std::string scheme = lower(url.substr(0, scheme_end));
  const size_t authority = scheme_end + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", authority), url.size());

  // user:password@ (everything before the last '@' of the authority)
  const size_t at = url.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos && at >= authority) spans.push_back({authority, at});

  const size_t query = std::min(url.find('?', authority_end), url.size());
  // RTMP: rtmp://host[:port]/app/STREAMKEY — everything after the application name is the key.
  if (scheme.rfind("rtmp", 0) == 0 && authority_end < query && url[authority_end] == '/') {
    const size_t app_end = url.find('/', authority_end + 1);
    if (app_end != std::string_view::npos && app_end + 1 < query) spans.push_back({app_end + 1, query});
  }

  // Secret query parameters: name=value pairs separated by & (or ; as some tools write).
  size_t pos = query;
  while (pos < url.size()) {
    const size_t start = pos + 1;
    const size_t end = std::min(url.find_first_of("&;#", start), url.size());
    const size_t eq = url.find('=', start);
    if (eq != std::string_view::npos && eq < end && is_secret_param(url.substr(start, eq - start)) && eq + 1 < end) {
      spans.push_back({eq + 1, end});
    }
    if (end >= url.size() || url[end] == '#') break;
    pos = end;
  }
  return spans;
}

}  // namespace

std::string redact_url(std::string_view url) {
  auto spans = secret_spans(url);
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  size_t cursor = 0;
  for (const auto& s : spans) {
    if (s.begin < cursor) continue;
    out.append(url.substr(cursor, s.begin - cursor));
    out.append(kMask);
    cursor = s.end;
  }
  out.append(url.substr(cursor));
  return out;
}

std::vector<std::string> url_secrets(std::string_view url) {
  std::vector<std::string> out;
  for (const auto& s : secret_spans(url)) {
    std::string_view secret = url.substr(s.begin, s.end - s.begin);
    if (secret.empty()) continue;
    out.emplace_back(secret);
    // user:password → the password alone may show up too (e.g. in an auth failure message).
    const size_t colon = secret.find(':');
    if (colon != std::string_view::npos && colon + 1 < secret.size()) out.emplace_back(secret.substr(colon + 1));
  }
  return out;
}

}  // namespace zc
