// A negotiation that does not finish says why, in the server's words about our link (LinkStates):
// nothing linked the stream (no session manager), the producer never answered the server, the
// producer sent nothing, a format that does not fit. Before, all but the last read "no common
// format?". A real, private PipeWire; WirePlumber where a case needs the stream linked.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "capture/video/stream.hpp"
#include "fixate_producer.hpp"
#include "recorder.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "support/text.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::FixateProducer;
using zc::capture::test::options_for;
using zc::capture::test::Recorder;
using zc::capture::test::wait_for_node;
using zc::test::has;
using zc::test::PipeWireDaemon;
using zc::test::Process;

namespace {

StreamOptions with_timeout(StreamOptions options, std::chrono::milliseconds timeout) {
  options.negotiation_timeout = timeout;
  options.stall_kick = 0ms;
  return options;
}

// `rec`'s stream has failed within `within`, without a frame: the message it failed with.
std::string failed_message(Recorder& rec, std::chrono::milliseconds within) {
  INFO(rec.history());
  REQUIRE(rec.wait_state(within, StreamState::error));
  CHECK(rec.locked([&] { return rec.frames.empty(); }));
  return rec.state_message(StreamState::error);
}

// Starts a stream with `options` and a `timeout` to negotiate; the message it fails with.
std::string given_up(StreamOptions options, std::chrono::milliseconds timeout) {
  Recorder rec;
  auto stream = Stream::start(with_timeout(std::move(options), timeout), rec);
  REQUIRE(stream);
  return failed_message(rec, timeout + 3s);
}

struct HeldUp {
  std::string first;   // the stream to the stopped producer
  std::string second;  // the stream held up behind it
};

// A video-src stopped, a stream to it, and a second stream to a producer that answers.
HeldUp held_up(const std::string& producer_bin) {
  PipeWireDaemon daemon;
  Process stopped({producer_bin});
  const auto node = wait_for_node("video-src", 5s);
  REQUIRE(node);
  FixateProducer other(FixateProducer::Options{});
  // Stopped: the server's commands to its node (the format, the buffers, the start) go unanswered.
  stopped.signal(SIGSTOP);
  Recorder first_rec;
  auto first_stream = Stream::start(with_timeout(options_for(*node), 4000ms), first_rec);
  REQUIRE(first_stream);
  // A second stream, to a producer that answers: the server's one work queue holds its link
  // behind the first's (as GStreamer's pipewiresink held every later link in PipeWire 1.4 when
  // it never answered the server's start; before, that read "no common format?" too).
  std::this_thread::sleep_for(500ms);
  HeldUp r;
  r.second = given_up(other.stream_options(), 2500ms);
  r.first = failed_message(first_rec, 4s);
  stopped.signal(SIGCONT);
  return r;
}

}  // namespace

TEST_CASE("timeout: without a session manager the error says nothing linked the stream") {
  PipeWireDaemon daemon(PipeWireDaemon::Options{.session_manager = false, .session_bus = false});
  FixateProducer src(FixateProducer::Options{});
  const std::string message = given_up(src.stream_options(), 1500ms);
  INFO(message);
  CHECK(has(message, "did not finish within 1500 ms"));
  CHECK(has(message, "nothing linked the stream to it"));
  CHECK_FALSE(has(message, "no common format"));
}

TEST_CASE("timeout: a producer that never answers and a link held up behind it are told apart from a format") {
  const std::string producer_bin = "/usr/libexec/installed-tests/pipewire-0.3/examples/video-src";
  if (!zc::test::have_program(producer_bin)) ZC_SKIP(producer_bin + " is not installed");
  HeldUp r = held_up(producer_bin);
  // Stopped while the server still waited on it for something of its own start (seen once, in
  // the ASan build on a loaded machine), the producer holds the work queue before the first link
  // begins: that link reads "state init" too, rightly. Once more then, from a fresh daemon.
  if (has(r.first, "(state init)")) {
    WARN("the producer was stopped while the server still waited on it; once more: " << r.first);
    r = held_up(producer_bin);
  }
  INFO("first: " << r.first << "\nsecond: " << r.second);
  CHECK(has(r.first, "did not finish within 4000 ms"));
  CHECK(has(r.first, "the producer did not answer"));
  CHECK(has(r.second, "did not finish within 2500 ms"));
  CHECK(has(r.second, "never began to negotiate the link (state init)"));
  for (const auto* m : {&r.first, &r.second}) {
    CHECK_FALSE(has(*m, "no common format"));
    CHECK_FALSE(has(*m, "nothing linked"));
  }
}
