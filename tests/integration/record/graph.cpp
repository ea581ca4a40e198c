#include "graph.hpp"

#include <chrono>
#include <functional>
#include <iterator>
#include <regex>
#include <sstream>

#include "support/process.hpp"

namespace zc::test {

namespace {

// `pw-link -l`: the ports linked into every input port whose "node:port" name `into` accepts.
// Each port line is followed by its links, "  |<- node:port" for those coming in.
std::vector<std::string> links_into_ports(const std::function<bool(const std::string&)>& into) {
  std::istringstream out(run({"pw-link", "-l"}, std::chrono::seconds(5)).output);
  std::vector<std::string> from;
  bool ours = false;  // the port line above is one `into` accepts
  for (std::string line; std::getline(out, line);) {
    if (line.rfind("  |", 0) != 0) {
      ours = into(line);
    } else if (ours && line.rfind("  |<- ", 0) == 0) {
      from.push_back(line.substr(6));
    }
  }
  return from;
}

}  // namespace

std::vector<std::string> links_into(const std::string& port) {
  return links_into_ports([&](const std::string& name) { return name == port; });
}

std::vector<std::string> links_into_node(const std::string& node) {
  return links_into_ports([&](const std::string& name) { return name.rfind(node + ":", 0) == 0; });
}

std::vector<std::string> node_ids(const std::string& name) {
  const std::string ls = run({"pw-cli", "ls", "Node"}, std::chrono::seconds(5)).output;
  std::vector<std::string> ids;
  const std::regex block(R"(id (\d+), type PipeWire:Interface:Node)");
  for (std::sregex_iterator it(ls.begin(), ls.end(), block), end; it != end; ++it) {
    const auto from = static_cast<size_t>(it->position(0));
    auto next = std::next(it);
    const size_t to = next == end ? ls.size() : static_cast<size_t>(next->position(0));
    if (ls.substr(from, to - from).find("node.name = \"" + name + "\"") != std::string::npos) ids.push_back((*it)[1]);
  }
  return ids;
}

}  // namespace zc::test
