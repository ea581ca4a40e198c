#include "core/library_pages.hpp"

#include <sys/mman.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace zc {

namespace {

struct Mapping {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool candidate = false;  // private, not writable, a regular file's
  size_t rss_kb = 0;
  size_t anonymous_kb = 0;
};

// "7f..-7f.. r-xp 00000000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libavcodec.so.59.37.100"
bool parse_header(const std::string& line, Mapping& m) {
  const size_t dash = line.find('-');
  const size_t space = line.find(' ');
  if (dash == std::string::npos || space == std::string::npos || dash > space) return false;
  // from_chars: no exception can leave this (it runs before main's handler).
  const char* text = line.data();
  if (std::from_chars(text, text + dash, m.begin, 16).ec != std::errc() ||
      std::from_chars(text + dash + 1, text + space, m.end, 16).ec != std::errc()) {
    return false;
  }
  const std::string_view perms = std::string_view(line).substr(space + 1, 4);
  const size_t slash = line.find('/');
  const std::string_view path = slash == std::string::npos ? std::string_view() : std::string_view(line).substr(slash);
  m.candidate = perms.size() == 4 && perms[1] != 'w' && perms[3] == 'p' && !path.empty() &&
                !path.starts_with("/dev/") && !path.ends_with(" (deleted)");
  return true;
}

size_t field_kb(const std::string& line, std::string_view key) {
  if (!std::string_view(line).starts_with(key)) return SIZE_MAX;
  return std::strtoull(line.c_str() + key.size(), nullptr, 10);
}

std::vector<Mapping> read_smaps() {
  std::vector<Mapping> maps;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // A header starts with a hex address; a field with a capitalised key ("Rss:").
    if (line[0] >= 'A' && line[0] <= 'Z') {
      if (maps.empty()) continue;
      if (const size_t v = field_kb(line, "Rss:"); v != SIZE_MAX) maps.back().rss_kb = v;
      if (const size_t v = field_kb(line, "Anonymous:"); v != SIZE_MAX) maps.back().anonymous_kb = v;
      continue;
    }
    Mapping m;
    if (parse_header(line, m)) maps.push_back(m);
  }
  return maps;
}

}  // namespace

LoaderPages release_loader_pages() {
  LoaderPages released;
  if (const char* v = std::getenv("ZEROCAST_TRIM_LIBRARIES"); v != nullptr && std::string_view(v) == "0") {
    return released;
  }
  for (const Mapping& m : read_smaps()) {
    // Anonymous pages in a library mapping are its relocated data (RELRO, made read-only after
    // relocation): dropping them would bring back the file's unrelocated bytes.
    if (!m.candidate || m.anonymous_kb != 0 || m.rss_kb == 0) continue;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): madvise wants the mapping's address
    if (madvise(reinterpret_cast<void*>(m.begin), m.end - m.begin, MADV_DONTNEED) != 0) continue;
    ++released.mappings;
    released.bytes += m.rss_kb * 1024;
  }
  return released;
}

}  // namespace zc
