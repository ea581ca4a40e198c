// capture::open_portal_session against a scripted portal (fake_portal.hpp) on a private bus and
// a private PipeWire with the built-in test source as the "screen": every protocol path that the
// real xdg-desktop-portal-wlr cannot show (metadata cursor, a Closed signal, version 3, answers
// that never come), and the capture through the portal's fd.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "capture/portal/portal.hpp"
#include "fake_portal.hpp"
#include "settings/environment.hpp"
#include "support/compositor.hpp"
#include "support/decode.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using zc::Errc;
using zc::capture::open_portal_session;
using zc::capture::PortalOptions;
using zc::test::FakePortal;

namespace {

// A private bus and PipeWire (no compositor, no real portal), the test source, and a fake portal
// that announces the test source's node.
struct Bench {
  std::unique_ptr<zc::test::Compositor> desk;
  std::unique_ptr<zc::testsrc::TestSource> source;
  zc::testsrc::NodeIdentity node;
  std::unique_ptr<FakePortal> portal;

  explicit Bench(FakePortal::Behaviour b = {}) {
    zc::test::Compositor::Options o;
    o.compositor = false;
    o.portal = false;
    if (auto why = zc::test::Compositor::unavailable(o)) ZC_SKIP(*why);
    desk = std::make_unique<zc::test::Compositor>(o);
    zc::testsrc::Options so;
    so.width = 320;
    so.height = 240;
    so.fps = 30;
    source = std::make_unique<zc::testsrc::TestSource>(so);
    REQUIRE(source->start());
    auto n = source->wait_for_node(5s);
    REQUIRE(n);
    node = *n;
    b.node_id = node.id;
    portal = std::make_unique<FakePortal>(b, desk->dir() + "/pipewire-0");
  }
  std::string token_path() const { return desk->state_dir() + "/zerocast/restore-token"; }
};

PortalOptions quick() {
  PortalOptions o;
  // The bench's desktop points XDG_STATE_HOME at its own directory: the tokens go there.
  o.state_dir = zc::settings::Environment::of_process().state_dir();
  o.response_timeout = 5s;
  o.call_timeout = 5s;
  return o;
}

void store(const std::string& path, const std::string& token) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << token << "\n";
}

std::string stored(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// Frames through the portal's fd, as `record` connects.
class Counter : public zc::capture::StreamObserver {
 public:
  void on_state(zc::capture::StreamState, std::string_view) override {}
  void on_format(const zc::capture::VideoFormat&) override {}
  void on_frame(const zc::Frame&) override { ++frames; }
  void on_defect(const zc::capture::Defect&) override {}
  void on_buffer_removed(uint64_t) override {}
  std::atomic<uint64_t> frames{0};
};

}  // namespace

TEST_CASE("portal client: handshake, streams, serial through the portal's fd, and a capture over it") {
  Bench bench;
  auto session = open_portal_session(quick());
  REQUIRE(session);
  auto& s = **session;
  const auto seen = bench.portal->seen();
  CHECK(seen.create_session == 1);
  CHECK(seen.select_sources == 1);
  CHECK(seen.start == 1);
  // One remote to find the node's serial, one for the capture.
  CHECK(seen.open_remote == 2);
  CHECK(seen.types == std::vector<uint32_t>{1});
  REQUIRE(s.streams().size() == 1);
  const auto& st = s.streams()[0];
  CHECK(st.node_id == bench.node.id);
  CHECK(st.serial == bench.node.serial);
  CHECK(st.x == 10);
  CHECK(st.y == 20);
  CHECK(st.width == 320);
  CHECK(st.height == 240);
  CHECK(st.source_type == 1);
  CHECK(st.id == "stream-0");
  CHECK(s.version() == 4);
  CHECK(s.target().serial == bench.node.serial);

  zc::capture::StreamOptions so;
  so.target = s.target();
  so.fd = s.take_pipewire_fd();
  REQUIRE(so.fd);
  CHECK_FALSE(s.take_pipewire_fd());  // once
  Counter counter;
  auto stream = zc::capture::Stream::start(std::move(so), counter);
  REQUIRE(stream);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (counter.frames < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  CHECK(counter.frames >= 5);
  stream->reset();
}

TEST_CASE("portal client: the cursor mode follows what the portal offers and whether it is drawn") {
  auto mode_for = [](uint32_t offered, bool draw) {
    FakePortal::Behaviour b;
    b.cursor_modes = offered;
    Bench bench(b);
    auto options = quick();
    options.draw_cursor = draw;
    auto session = open_portal_session(options);
    REQUIRE(session);
    const auto seen = bench.portal->seen();
    REQUIRE(seen.cursor_modes.size() == 1);
    const uint32_t asked = (*session)->cursor_mode();
    CHECK(seen.cursor_modes[0] == (asked ? std::optional<uint32_t>(asked) : std::nullopt));
    return seen.cursor_modes[0];
  };
  // Drawn: embedded when offered (a pointer move over a still picture is a frame), else metadata.
  CHECK(mode_for(1 | 2 | 4, true) == std::optional<uint32_t>(2));
  CHECK(mode_for(1 | 2, true) == std::optional<uint32_t>(2));  // xdg-desktop-portal-wlr 0.7
  CHECK(mode_for(1 | 4, true) == std::optional<uint32_t>(4));
  CHECK(mode_for(1, true) == std::optional<uint32_t>(1));
  CHECK(mode_for(0, true) == std::nullopt);  // nothing offered: nothing asked
  // Left out (--no-cursor): hidden when offered, else metadata (not drawn).
  CHECK(mode_for(1 | 2 | 4, false) == std::optional<uint32_t>(1));
  CHECK(mode_for(2 | 4, false) == std::optional<uint32_t>(4));
  CHECK(mode_for(2, false) == std::optional<uint32_t>(2));
}

TEST_CASE("portal client: the token is stored after Start and sent next time, replaced each time") {
  Bench bench;
  {
    auto first = open_portal_session(quick());
    REQUIRE(first);
    CHECK_FALSE((*first)->token_sent());
  }
  CHECK(stored(bench.token_path()) == "fake-token-1");
  auto second = open_portal_session(quick());
  REQUIRE(second);
  CHECK((*second)->token_sent());
  CHECK_FALSE((*second)->token_retried());
  const auto seen = bench.portal->seen();
  REQUIRE(seen.tokens.size() == 2);
  CHECK_FALSE(seen.tokens[0].has_value());
  CHECK(seen.tokens[1] == std::optional<std::string>("fake-token-1"));
  CHECK(seen.persist_modes[1] == std::optional<uint32_t>(2));
  CHECK(stored(bench.token_path()) == "fake-token-2");
}

TEST_CASE("portal client: persist off sends and stores no token") {
  Bench bench;
  store(bench.token_path(), "fake-token-0");
  auto o = quick();
  o.persist = false;
  auto session = open_portal_session(o);
  REQUIRE(session);
  const auto seen = bench.portal->seen();
  CHECK_FALSE(seen.tokens[0].has_value());
  CHECK_FALSE(seen.persist_modes[0].has_value());
  CHECK(stored(bench.token_path()) == "fake-token-0");
}

TEST_CASE("portal client: a rejected token (an error, or response 2) is retried once without it") {
  FakePortal::Behaviour b;
  b.rejected_tokens = {"bad"};
  b.refused_tokens = {"refused"};
  Bench bench(b);
  for (const std::string token : {"bad", "refused"}) {
    store(bench.token_path(), token);
    auto session = open_portal_session(quick());
    INFO(token);
    REQUIRE(session);
    CHECK((*session)->token_retried());
    CHECK_FALSE((*session)->token_sent());  // the session that worked had none
    CHECK(stored(bench.token_path()).rfind("fake-token-", 0) == 0);
  }
  const auto seen = bench.portal->seen();
  REQUIRE(seen.tokens.size() == 4);
  CHECK(seen.tokens[0] == std::optional<std::string>("bad"));
  CHECK_FALSE(seen.tokens[1].has_value());
  CHECK(seen.tokens[2] == std::optional<std::string>("refused"));
  CHECK_FALSE(seen.tokens[3].has_value());
  // Every attempt had its own session; the failed ones were closed.
  CHECK(seen.create_session == 4);
}

TEST_CASE("portal client: cancel and refusal are told apart, and a cancel is not retried") {
  {
    FakePortal::Behaviour b;
    b.select_response = 1;
    Bench bench(b);
    store(bench.token_path(), "fake-token-0");
    auto session = open_portal_session(quick());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::cancelled);
    CHECK(session.error().stage == "portal");
    CHECK(session.error().message.find("cancelled") != std::string::npos);
    CHECK(bench.portal->seen().select_sources == 1);
    CHECK(stored(bench.token_path()) == "fake-token-0");  // kept: the user may accept next time
  }
  {
    FakePortal::Behaviour b;
    b.start_response = 2;
    Bench bench(b);
    auto session = open_portal_session(quick());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::rejected);
    CHECK(session.error().message.find("Start answered 2") != std::string::npos);
    CHECK(bench.portal->seen().start == 1);  // no token sent: nothing to retry
  }
}

TEST_CASE("portal client: a Closed signal reaches the handler, once, on the session's thread") {
  Bench bench;
  auto session = open_portal_session(quick());
  REQUIRE(session);
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> calls;
  std::thread::id caller;
  (*session)->set_closed_handler([&](const std::string& why) {
    std::lock_guard lock(m);
    calls.push_back(why);
    caller = std::this_thread::get_id();
    cv.notify_all();
  });
  bench.portal->close_sessions();
  std::unique_lock lock(m);
  REQUIRE(cv.wait_for(lock, 5s, [&] { return !calls.empty(); }));
  lock.unlock();
  std::this_thread::sleep_for(200ms);
  lock.lock();
  CHECK(calls.size() == 1);
  CHECK(calls[0] == "the portal closed the screen cast session");
  CHECK(caller != std::this_thread::get_id());
  CHECK((*session)->closed_reason() == std::optional<std::string>(calls[0]));
  lock.unlock();
  // A handler set afterwards hears it at once.
  std::string late;
  (*session)->set_closed_handler([&](const std::string& why) { late = why; });
  CHECK(late == calls[0]);
  // A closed session is not closed again on destruction.
  session->reset();
  CHECK(bench.portal->seen().close == 0);
}

TEST_CASE("portal client: destroying the session closes it on the portal") {
  Bench bench;
  auto session = open_portal_session(quick());
  REQUIRE(session);
  CHECK(bench.portal->seen().close == 0);
  session->reset();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (bench.portal->seen().close == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  CHECK(bench.portal->seen().close == 1);
}

TEST_CASE("portal client: a session closed during the handshake fails it with a clear error") {
  FakePortal::Behaviour b;
  b.close_instead_of_start = true;
  Bench bench(b);
  auto session = open_portal_session(quick());
  REQUIRE_FALSE(session);
  CHECK(session.error().code == Errc::cancelled);
  CHECK(session.error().message == "the portal closed the screen cast session (during Start)");
}

TEST_CASE("portal client: no answer is a timeout, and an interruption ends the wait at once") {
  FakePortal::Behaviour b;
  b.never_answer_start = true;
  Bench bench(b);
  auto o = quick();
  o.response_timeout = 700ms;
  auto t0 = std::chrono::steady_clock::now();
  auto session = open_portal_session(o);
  REQUIRE_FALSE(session);
  CHECK(session.error().code == Errc::timeout);
  CHECK(session.error().message.find("no answer from the portal to Start") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);

  o.response_timeout = 60s;
  t0 = std::chrono::steady_clock::now();
  o.interrupted = [t0] { return std::chrono::steady_clock::now() - t0 > 300ms; };
  session = open_portal_session(o);
  REQUIRE_FALSE(session);
  CHECK(session.error().code == Errc::cancelled);
  CHECK(session.error().message == "interrupted while waiting for Start");
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}

TEST_CASE("portal client: version 3 gets no persistence, and unsupported source types are refused up front") {
  {
    FakePortal::Behaviour b;
    b.version = 3;
    Bench bench(b);
    store(bench.token_path(), "fake-token-0");
    auto session = open_portal_session(quick());
    REQUIRE(session);
    const auto seen = bench.portal->seen();
    CHECK_FALSE(seen.persist_modes[0].has_value());
    CHECK_FALSE(seen.tokens[0].has_value());
  }
  {
    FakePortal::Behaviour b;
    b.source_types = 1;
    Bench bench(b);
    auto o = quick();
    o.source_types = zc::capture::kPortalWindow;
    auto session = open_portal_session(o);
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::unsupported);
    CHECK(session.error().message == "the portal cannot cast window (it offers monitor)");
    CHECK(bench.portal->seen().create_session == 0);
  }
}

TEST_CASE("portal client: a portal without ScreenCast is unsupported, an absent one not found") {
  {
    FakePortal::Behaviour b;
    b.screencast = false;
    Bench bench(b);
    auto session = open_portal_session(quick());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::unsupported);
    CHECK(session.error().message.find("no ScreenCast interface") != std::string::npos);
  }
  {
    Bench bench;
    bench.portal.reset();
    auto session = open_portal_session(quick());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::not_found);
    CHECK(session.error().message.find("no desktop portal on the session bus") != std::string::npos);
  }
}

TEST_CASE("portal client: `record --source portal` ends cleanly with a message when the portal closes the session") {
  Bench bench;
  const std::string out = bench.desk->dir() + "/closed.mkv";
  zc::test::Process p({zc::test::zerocast_bin(), "record", "--source", "portal", "--duration", "30", "-o", out});
  // Until frames are written, not just "streaming from" (the link's state, before the first frame):
  // a loaded machine may take longer than any fixed pause to open the encoder.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (p.running() && std::chrono::steady_clock::now() < deadline &&
         (!std::filesystem::exists(out) || std::filesystem::file_size(out) < 4096)) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(p.output().find("streaming from") != std::string::npos);
  std::this_thread::sleep_for(500ms);
  bench.portal->close_sessions();
  const auto status = p.wait(10s);
  INFO(p.output());
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(p.output().find("the producer ended: portal: the portal closed the screen cast session") != std::string::npos);
  const auto d = zc::test::decode_file(out);
  REQUIRE(d.ok);
  CHECK(d.frames.size() >= 5);
}

TEST_CASE("portal client: `record --source portal:window+virtual` asks the portal for those types") {
  FakePortal::Behaviour b;
  b.source_types = 7;
  Bench bench(b);
  const std::string out = bench.desk->dir() + "/window.mkv";
  zc::test::Process p(
      {zc::test::zerocast_bin(), "record", "--source", "portal:window+virtual", "--frames", "5", "-o", out});
  const auto status = p.wait(30s);
  INFO(p.output());
  REQUIRE(status);
  CHECK(*status == 0);
  const auto seen = bench.portal->seen();
  CHECK(seen.types == std::vector<uint32_t>{zc::capture::kPortalWindow | zc::capture::kPortalVirtual});
  const auto d = zc::test::decode_file(out);
  REQUIRE(d.ok);
  CHECK(d.frames.size() == 5);
}
