#pragma once
// Network helpers for the output tests: free ports, waiting for a receiver to bind, a receiving
// ffmpeg as a separate process, a watchdog that turns a hang into a failure.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace zc::test {

enum class Proto { tcp, udp };

// A port nothing listens on now (and, with `pair`, port+1 too: RTP sends RTCP there).
int free_port(Proto proto, bool pair = false);

// Waits until something on this machine has bound `port` (UDP) or listens on it (TCP).
bool wait_bound(int port, Proto proto, std::chrono::milliseconds timeout);

// `ffmpeg -i INPUT -c copy -f mpegts OUT`, with extra arguments before -i.
Process start_receiver(const std::string& input, const std::string& out_ts,
                       const std::vector<std::string>& before_input = {});

// Aborts the test process if not disarmed (destroyed) within the limit: a hang is a failure.
class Watchdog {
 public:
  Watchdog(std::chrono::seconds limit, std::string what);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace zc::test
