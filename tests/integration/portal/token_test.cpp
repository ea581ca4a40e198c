// The restore-token store: where it lives, atomic replacement, permissions, missing and broken files.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "capture/portal/portal_token.hpp"
#include "settings/environment.hpp"
#include "support/process.hpp"

using namespace zc::capture;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("token path: XDG_STATE_HOME first, then HOME, one file per kind of source") {
  using Env = zc::settings::Environment;
  const std::string s = Env(std::map<std::string, std::string>{{"XDG_STATE_HOME", "/s"}, {"HOME", "/h"}}).state_dir();
  CHECK(default_token_path(s, kPortalMonitor).value() == "/s/zerocast/restore-token");
  CHECK(default_token_path(s, kPortalWindow).value() == "/s/zerocast/restore-token-window");
  CHECK(default_token_path(s, kPortalMonitor | kPortalVirtual).value() == "/s/zerocast/restore-token-monitor+virtual");
  // A relative XDG_STATE_HOME is invalid by the base-directory spec: ignored.
  const std::string h =
      Env(std::map<std::string, std::string>{{"XDG_STATE_HOME", "relative"}, {"HOME", "/h"}}).state_dir();
  CHECK(default_token_path(h, kPortalMonitor).value() == "/h/.local/state/zerocast/restore-token");
  const std::string none = Env(std::map<std::string, std::string>{}).state_dir();
  auto p = default_token_path(none, kPortalMonitor);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == zc::Errc::not_found);
}

TEST_CASE("token: written atomically with private permissions, read back, replaced") {
  const std::string dir = zc::test::make_temp_dir("zc-token");
  const std::string path = dir + "/state/zerocast/restore-token";
  auto none = read_token(path);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  REQUIRE(write_token(path, "0d26f2b0-c556-47fc-bcb0-714f3f1fa378"));
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir + "/state/zerocast") == 0700);
  CHECK(read_token(path).value() == std::optional<std::string>("0d26f2b0-c556-47fc-bcb0-714f3f1fa378"));

  REQUIRE(write_token(path, "3aa0dcc1-1e9b-4caf-af14-78d1c408149f"));
  CHECK(read_token(path).value() == std::optional<std::string>("3aa0dcc1-1e9b-4caf-af14-78d1c408149f"));
  // Only the token itself is left in the directory: no temporary files.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/state/zerocast")) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);

  remove_token(path);
  CHECK_FALSE(fs::exists(path));
  remove_token(path);  // missing is fine
  fs::remove_all(dir);
}

TEST_CASE("token: surrounding whitespace is dropped, an empty file is no token") {
  const std::string dir = zc::test::make_temp_dir("zc-token");
  const std::string path = dir + "/t";
  std::ofstream(path) << "  abc-def \n\n";
  CHECK(read_token(path).value() == std::optional<std::string>("abc-def"));
  std::ofstream(path) << " \n";
  CHECK_FALSE(read_token(path).value().has_value());
  fs::remove_all(dir);
}

TEST_CASE("token: an unwritable place and an unreadable file are errors, not crashes") {
  const std::string dir = zc::test::make_temp_dir("zc-token");
  std::ofstream(dir + "/file") << "x";
  // A directory where a file is: nothing can be created below it.
  auto w = write_token(dir + "/file/zerocast/restore-token", "x");
  REQUIRE_FALSE(w);
  CHECK(w.error().code == zc::Errc::io);
  CHECK(w.error().stage == "portal");
  // A directory where the token should be cannot be read as one.
  fs::create_directories(dir + "/dir");
  auto r = read_token(dir + "/dir");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::io);
  fs::remove_all(dir);
}

TEST_CASE("source types are named for messages and file names") {
  CHECK(describe_source_types(kPortalMonitor) == "monitor");
  CHECK(describe_source_types(kPortalWindow | kPortalMonitor) == "monitor+window");
  CHECK(describe_source_types(0) == "none");
}
