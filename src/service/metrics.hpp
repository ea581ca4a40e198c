#pragma once
// Prometheus metrics (text exposition format 0.0.4) on HOST:PORT, served by cpp-httplib on a
// thread of its own from a snapshot the service publishes once a second.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "service/service.hpp"

namespace httplib {
class Server;
}

namespace zc::service {

// The exposition text for a snapshot (pure, for tests).
std::string render_metrics(const MetricsSnapshot& snapshot, const std::string& version);

class MetricsServer {
 public:
  // Binds HOST:PORT at once (an error names the address); serves /metrics until destroyed.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address,
                                                      const std::function<std::string()>& render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace zc::service
