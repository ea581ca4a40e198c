#include "capture/portal/portal_token.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "capture/portal/portal_bus.hpp"

namespace zc::capture {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string describe_source_types(uint32_t types) {
  std::string out;
  for (auto [bit, name] : {std::pair{kPortalMonitor, "monitor"}, std::pair{kPortalWindow, "window"},
                           std::pair{kPortalVirtual, "virtual"}}) {
    if (!(types & bit)) continue;
    if (!out.empty()) out += "+";
    out += name;
  }
  return out.empty() ? "none" : out;
}

Result<std::string> default_token_path(const std::string& state_dir, uint32_t source_types) {
  if (state_dir.empty()) {
    return fail(Errc::not_found, "portal", "cannot place the restore token: neither XDG_STATE_HOME nor HOME is set");
  }
  std::string name = "restore-token";
  if (source_types != kPortalMonitor) {
    // Appended in two steps: g++ 12 at -O3 warns falsely (-Wrestrict) on "literal" + string&&.
    name += '-';
    name += describe_source_types(source_types);
  }
  return (std::filesystem::path(state_dir) / name).string();
}

Result<std::optional<std::string>> read_token(const std::string& path) {
  portal_bus::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return fail(Errc::io, "portal", "cannot read the restore token " + path + ": " + errno_text());
  }
  std::string content;
  char buf[512];
  ssize_t n = 0;
  // A token is a UUID; anything much longer is not one of ours.
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && content.size() < 4096) {
    content.append(buf, static_cast<size_t>(n));
  }
  if (n < 0) return fail(Errc::io, "portal", "cannot read the restore token " + path + ": " + errno_text());
  std::string token = trim(content);
  if (token.empty()) return std::optional<std::string>{};
  return std::optional<std::string>(std::move(token));
}

Result<void> write_token(const std::string& path, const std::string& token) {
  const std::filesystem::path target(path);
  const auto dir = target.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(Errc::io, "portal", "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  std::string tmp = path + ".XXXXXX";
  portal_bus::UniqueFd fd(::mkstemp(tmp.data()));
  if (fd.get() < 0)
    return fail(Errc::io, "portal", "cannot write the restore token in " + dir.string() + ": " + errno_text());
  auto abandon = [&](const std::string& what) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return fail(Errc::io, "portal", what + " " + tmp + ": " + why);
  };
  const std::string content = token + "\n";
  // mkstemp makes the file 0600 already; said again in case of an unusual umask handling.
  if (::fchmod(fd.get(), 0600) != 0) return abandon("cannot chmod");
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    return abandon("cannot write");
  }
  // The rename must not land before the bytes: a crash would leave an empty token.
  if (::fsync(fd.get()) != 0) return abandon("cannot sync");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon("cannot rename");
  return {};
}

void remove_token(const std::string& path) {
  ::unlink(path.c_str());
}

}  // namespace zc::capture
