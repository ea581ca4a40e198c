#include "support/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace zc::test {
namespace {

int bind_port(Proto proto, int port) {
  const int fd = ::socket(AF_INET, proto == Proto::tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// /proc/net/{tcp,udp}{,6}: "sl local_address rem_address st ..." with hex ports; TCP 0A = LISTEN.
bool bound_in(const std::string& table, int port, bool need_listen) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string sl, local, remote, state;
    ss >> sl >> local >> remote >> state;
    const size_t colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (std::strtol(local.c_str() + colon + 1, nullptr, 16) != port) continue;
    if (!need_listen || state == "0A") return true;
  }
  return false;
}

}  // namespace

int free_port(Proto proto, bool pair) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int port = bind_port(proto, 0);
    if (port <= 0) continue;
    if (!pair) return port;
    const int even = port & ~1;
    if (even > 1024 && bind_port(proto, even) == even && bind_port(proto, even + 1) == even + 1) return even;
  }
  return -1;
}

bool wait_bound(int port, Proto proto, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  const std::string base = proto == Proto::tcp ? "/proc/net/tcp" : "/proc/net/udp";
  while (std::chrono::steady_clock::now() < end) {
    if (bound_in(base, port, proto == Proto::tcp) || bound_in(base + "6", port, proto == Proto::tcp)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

Process start_receiver(const std::string& input, const std::string& out_ts,
                       const std::vector<std::string>& before_input) {
  std::vector<std::string> argv{"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info", "-y"};
  argv.insert(argv.end(), before_input.begin(), before_input.end());
  argv.emplace_back("-i");
  argv.push_back(input);
  for (const char* a : {"-c", "copy", "-f", "mpegts"})
    argv.emplace_back(a);
  argv.push_back(out_ts);
  return Process(std::move(argv));
}

Watchdog::Watchdog(std::chrono::seconds limit, std::string what) {
  thread_ = std::thread([this, limit, what = std::move(what)] {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, limit, [&] { return done_; })) {
      std::fprintf(stderr, "WATCHDOG: %s still running after %llds: hung\n", what.c_str(),
                   static_cast<long long>(limit.count()));
      std::fflush(stderr);
      std::abort();
    }
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace zc::test
