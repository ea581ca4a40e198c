// The priority of `zerocast record`'s threads (cli/priority.hpp): every thread of the run at the
// nice value asked for (ZEROCAST_NICE, -10 by default), libx264's and PipeWire's included, since
// a thread takes its creator's; a bad value is a usage error naming the variable.
#include <sys/resource.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "record_support.hpp"
#include "support/paths.hpp"
#include "support/proc_status.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// Lowering a nice value needs root (CAP_SYS_NICE) or RLIMIT_NICE of 20 - nice or more.
bool may_lower_to(int nice) {
  rlimit lim{};
  return geteuid() == 0 || (getrlimit(RLIMIT_NICE, &lim) == 0 && lim.rlim_cur >= static_cast<rlim_t>(20 - nice));
}

void check_threads(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int want) {
  if (!may_lower_to(want)) ZC_SKIP("lowering the nice value needs root or RLIMIT_NICE here");
  PipeWireDaemon pw;
  Process::Options o;
  o.env = env;
  Process rec(args, o);
  INFO(rec.output());
  REQUIRE(wait_until([&] { return rec.output().find("output:file: writing") != std::string::npos; }, 20s));
  const auto threads = thread_nice(rec.pid());
  std::string all;
  for (const auto& [name, nice] : threads)
    all += " " + name + "=" + std::to_string(nice);
  INFO("threads:" << all);
  REQUIRE(threads.size() >= 4);  // main, PipeWire's loop and data threads, the encoder's at least
  for (const auto& [name, nice] : threads)
    CHECK(nice == want);
  const auto status = rec.wait(30s);
  REQUIRE(status);
  CHECK(*status == 0);
}

std::vector<std::string> record_args() {
  return {zerocast_bin(), "record", "--source",   "test", "--test-size", "320x240",
          "--test-fps",   "30",     "--duration", "3",    "-o",          make_temp_dir("zc-nice") + "/nice.mkv"};
}

}  // namespace

TEST_CASE("record: every thread runs at nice -10 by default", "[record][priority]") {
  check_threads(record_args(), {}, -10);
}

TEST_CASE("record: ZEROCAST_NICE sets the threads' nice value, and a bad one is a usage error", "[record][priority]") {
  check_threads(record_args(), {{"ZEROCAST_NICE", "-3"}}, -3);
  for (const char* bad : {"5", "-21", "x", "-10x"}) {
    Process::Options o;
    o.env = {{"ZEROCAST_NICE", bad}};
    const auto r = run(record_args(), 30s, o);
    INFO(bad << ": " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("ZEROCAST_NICE must be -20..0") != std::string::npos);
  }
}
