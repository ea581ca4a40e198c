#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "output/naming.hpp"
#include "support/process.hpp"

using namespace zc::output;

namespace {

// 2026-11-29 06:05:09, in UTC.
NameFields at_six_utc(std::string source = "node:57", std::string id = "3") {
  setenv("TZ", "UTC", 1);
  tzset();
  return {std::move(source), std::move(id), 1795932309};
}

}  // namespace

TEST_CASE("output names: strftime codes and {source}, {id} expand, a folder gets the default name",
          "[output][naming]") {
  const NameFields f = at_six_utc();
  CHECK(expand_name("/v/%Y-%m-%d_%H-%M-%S.mkv", f).value() == "/v/2026-11-29_06-05-09.mkv");
  CHECK(expand_name("/v/{source}-{id}-%H%M.mp4", f).value() == "/v/node-57-3-0605.mp4");
  CHECK(expand_name("/v/", f).value() == "/v/zerocast-2026-11-29_06-05-09.mkv");
  const std::string dir = zc::test::make_temp_dir("zc-naming");
  CHECK(expand_name(dir, f).value() == dir + "/zerocast-2026-11-29_06-05-09.mkv");  // an existing folder
  CHECK(expand_name("/v/{source}.ts", at_six_utc("portal:monitor+window")).value() == "/v/portal-monitor+window.ts");
  const auto unknown = expand_name("/v/{user}.mkv", f);
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("unknown field {user}"));
  CHECK_FALSE(expand_name("/v/{source.mkv", f));
}

TEST_CASE("output names: templates and folders are told from plain files and URLs", "[output][naming]") {
  CHECK(is_template("/v/%Y.mkv"));
  CHECK(is_template("/v/{id}.mkv"));
  CHECK(is_template("/v/"));
  CHECK(is_template(zc::test::make_temp_dir("zc-naming")));
  CHECK_FALSE(is_template("/v/plain.mkv"));
  CHECK_FALSE(is_template("srt://host:9000?streamid=%41"));
  CHECK_FALSE(is_template("rtmp://host/app/{key}"));
}

TEST_CASE("output names: a claimed name is a new file, never one that exists", "[output][naming]") {
  const std::string dir = zc::test::make_temp_dir("zc-claim");
  std::ofstream(dir + "/clip.mkv") << "kept";
  const auto second = claim_name(dir + "/clip.mkv");
  REQUIRE(second);
  CHECK(*second == dir + "/clip-2.mkv");
  const auto third = claim_name(dir + "/clip.mkv");
  REQUIRE(third);
  CHECK(*third == dir + "/clip-3.mkv");
  CHECK(std::filesystem::file_size(dir + "/clip.mkv") == 4);
  CHECK(std::filesystem::file_size(*second) == 0);
  const auto fresh = claim_name(dir + "/made/new.mkv");  // its folder made
  REQUIRE(fresh);
  CHECK(*fresh == dir + "/made/new.mkv");
}
