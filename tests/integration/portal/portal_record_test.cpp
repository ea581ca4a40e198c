// `zerocast record --source portal` against a real compositor: sway headless with
// xdg-desktop-portal + xdg-desktop-portal-wlr on a private bus (tests/support/compositor.hpp).
// The screen is a solid background colour with an animated client floating in the middle, so a
// decoded recording shows whether we captured that screen, and that it was live.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "support/compositor.hpp"
#include "support/decode.hpp"
#include "support/paths.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;
using zc::test::Compositor;
using zc::test::errors_first;

namespace {

constexpr int kExitSource = 3;  // daemon/record_options.hpp

// Skips (exit 77) when this machine lacks a piece; otherwise starts the desktop.
std::unique_ptr<Compositor> desktop(Compositor::Options options = {}) {
  if (auto why = Compositor::unavailable(options)) ZC_SKIP(*why);
  return std::make_unique<Compositor>(options);
}

zc::test::RunResult record(const std::string& out, double seconds = 2) {
  return zc::test::run(
      {zc::test::zerocast_bin(), "record", "--source", "portal", "--duration", std::to_string(seconds), "-o", out},
      40s);
}

struct Yuv {
  double y, u, v;
};

// BT.601 limited range, what every zerocast path writes (DESIGN.md §6).
Yuv bt601(uint32_t rgb) {
  const double r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  return {16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255, 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255,
          128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255};
}

// Mean of an 8x8 luma block at (x, y) and of the chroma block that covers it (4:2:0).
Yuv sample(const AVFrame& f, int x, int y) {
  Yuv s{0, 0, 0};
  for (int j = 0; j < 8; ++j) {
    for (int i = 0; i < 8; ++i)
      s.y += f.data[0][(y + j) * f.linesize[0] + x + i];
  }
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 4; ++i) {
      const int cx = x / 2 + i, cy = y / 2 + j;
      if (f.format == AV_PIX_FMT_NV12) {
        s.u += f.data[1][cy * f.linesize[1] + 2 * cx];
        s.v += f.data[1][cy * f.linesize[1] + 2 * cx + 1];
      } else {
        s.u += f.data[1][cy * f.linesize[1] + cx];
        s.v += f.data[2][cy * f.linesize[2] + cx];
      }
    }
  }
  return {s.y / 64, s.u / 16, s.v / 16};
}

struct Screen {
  zc::test::DecodeResult decode;
  size_t background_ok = 0;     // pictures whose four corners show the background colour
  size_t distinct_centres = 0;  // different pictures of the animated client in the middle
  std::string first_mismatch;
};

Screen decode_screen(const std::string& path, uint32_t background) {
  Screen s;
  const Yuv want = bt601(background);
  std::set<std::vector<uint8_t>> centres;
  s.decode = zc::test::decode_file(path, [&](const AVFrame& f) {
    bool ok = true;
    for (auto [x, y] : {std::pair{16, 16}, std::pair{f.width - 24, 16}, std::pair{16, f.height - 24},
                        std::pair{f.width - 24, f.height - 24}}) {
      const Yuv got = sample(f, x, y);
      if (std::abs(got.y - want.y) > 6 || std::abs(got.u - want.u) > 6 || std::abs(got.v - want.v) > 6) {
        ok = false;
        if (s.first_mismatch.empty()) {
          s.first_mismatch = "at " + std::to_string(x) + "," + std::to_string(y) + ": Y/U/V " + std::to_string(got.y) +
                             "/" + std::to_string(got.u) + "/" + std::to_string(got.v) + ", expected " +
                             std::to_string(want.y) + "/" + std::to_string(want.u) + "/" + std::to_string(want.v);
        }
      }
    }
    if (ok) ++s.background_ok;
    // A coarse fingerprint of the middle (where the client spins): quantised so that coding
    // noise does not make identical pictures look different.
    std::vector<uint8_t> centre;
    for (int y = f.height / 2 - 100; y < f.height / 2 + 100; y += 20) {
      for (int x = f.width / 2 - 100; x < f.width / 2 + 100; x += 20)
        centre.push_back(static_cast<uint8_t>(f.data[0][y * f.linesize[0] + x] / 32));
    }
    centres.insert(std::move(centre));
  });
  s.distinct_centres = centres.size();
  return s;
}

void check_screen(const std::string& path, const Compositor& c) {
  const auto s = decode_screen(path, c.options().background);
  INFO(s.decode.error);
  REQUIRE(s.decode.ok);
  INFO(s.first_mismatch);
  // ~2 s at the compositor's rate (about 30-60 fps here); well above a stuck stream's one picture.
  CHECK(s.decode.frames.size() >= 15);
  REQUIRE_FALSE(s.decode.frames.empty());
  CHECK(s.decode.frames.front().width == c.options().width);
  CHECK(s.decode.frames.front().height == c.options().height);
  CHECK(s.background_ok == s.decode.frames.size());
  CHECK(s.distinct_centres >= 3);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

bool looks_like_uuid(const std::string& s) {
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

}  // namespace

TEST_CASE("portal: captures the screen, stores the token, and a second run restores it without the chooser") {
  auto c = desktop();
  const std::string token = c->state_dir() + "/zerocast/restore-token";
  const std::string first = c->dir() + "/first.mkv";
  auto r = record(first);
  INFO(r.output << c->logs());
  REQUIRE(r.status == 0);
  check_screen(first, *c);
  CHECK(r.output.find("no restore token sent") != std::string::npos);
  CHECK(count(c->backend_log(), "restore data available") == 0);
  REQUIRE(std::filesystem::exists(token));
  const std::string stored = read(token);
  CHECK(looks_like_uuid(stored));
  struct stat st {};
  REQUIRE(::stat(token.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // From now on the chooser fails: a run that needed it would be cancelled.
  c->restart_backend(Compositor::Chooser::cancel);
  const std::string second = c->dir() + "/second.mkv";
  r = record(second);
  INFO(r.output << c->logs());
  REQUIRE(r.status == 0);
  CHECK(r.output.find("stored restore token sent") != std::string::npos);
  // The backend got the selection from the token (xdpw logs it when restore data arrives).
  CHECK(count(c->backend_log(), "restore data available") == 1);
  CHECK(count(c->backend_log(), "output chooser") == 0);
  check_screen(second, *c);
  CHECK(looks_like_uuid(read(token)));
}

TEST_CASE("portal: a cancelled request ends with a clear message and the source exit code") {
  Compositor::Options o;
  o.chooser = Compositor::Chooser::cancel;
  auto c = desktop(o);
  auto r = record(c->dir() + "/a.mkv");
  INFO(r.output << c->logs());
  CHECK(r.status == kExitSource);
  CHECK(r.output.find("portal: the screen cast request was cancelled") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(c->state_dir() + "/zerocast/restore-token"));
}

TEST_CASE("portal: a refused request (the backend cannot cast) ends with a clear message") {
  // Without the shim, xdg-desktop-portal-wlr 0.7 on a pixman-rendered sway answers Start with 2.
  Compositor::Options o;
  o.shim = false;
  auto c = desktop(o);
  auto r = record(c->dir() + "/a.mkv");
  INFO(r.output << c->logs());
  CHECK(r.status == kExitSource);
  CHECK(r.output.find("portal: the portal refused the screen cast (Start answered 2") != std::string::npos);
}

TEST_CASE("portal: a stored token the portal rejects is retried once without it, then replaced") {
  auto c = desktop();
  const std::string token = c->state_dir() + "/zerocast/restore-token";
  std::filesystem::create_directories(c->state_dir() + "/zerocast");
  std::ofstream(token) << "not-a-token\n";
  const std::string out = c->dir() + "/a.mkv";
  auto r = record(out);
  INFO(r.output << c->logs());
  REQUIRE(r.status == 0);
  CHECK(r.output.find("Restore token is not a valid UUID") != std::string::npos);
  CHECK(r.output.find("asking once more without it") != std::string::npos);
  CHECK(looks_like_uuid(read(token)));
  const auto d = zc::test::decode_file(out);
  REQUIRE(d.ok);
  CHECK(d.frames.size() >= 15);
}

TEST_CASE("portal: no portal on the bus is a clear error, not a hang") {
  Compositor::Options o;
  o.compositor = false;
  o.portal = false;
  auto c = desktop(o);
  const auto start = std::chrono::steady_clock::now();
  auto r = record(c->dir() + "/a.mkv");
  INFO(errors_first(r.output));
  CHECK(r.status == kExitSource);
  CHECK(r.output.find("portal: no desktop portal on the session bus") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("portal: the portal going away mid-capture ends the recording with a message and a playable file") {
  auto c = desktop();
  const std::string out = c->dir() + "/a.mkv";
  zc::test::Process p({zc::test::zerocast_bin(), "record", "--source", "portal", "--duration", "30", "-o", out});
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (p.output().find("streaming from") == std::string::npos && p.running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(p.output().find("streaming from") != std::string::npos);
  std::this_thread::sleep_for(1s);
  c->kill_portal();
  const auto status = p.wait(10s);
  INFO(p.output() << c->logs());
  REQUIRE(status);
  // Frames were recorded: the capture ends like a producer that left, cleanly.
  CHECK(*status == 0);
  CHECK(p.output().find("left the session bus") != std::string::npos);
  const auto d = zc::test::decode_file(out);
  REQUIRE(d.ok);
  CHECK(d.frames.size() >= 10);
}
