#pragma once
// A producer's node by its node.name (a GStreamer pipewiresink started by the test), polled until
// it shows in the registry or `timeout` passes.
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "capture/graph/source.hpp"

namespace zc::test {

inline std::optional<capture::Target> find_node(const std::string& name, std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto nodes = capture::list_nodes(2s)) {
      for (const auto& n : *nodes) {
        if (n.name == name) return capture::Target{n.serial, n.id, n.name};
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return std::nullopt;
}

}  // namespace zc::test
