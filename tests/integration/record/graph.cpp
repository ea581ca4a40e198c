#include "graph.hpp"

#include <chrono>
#include <iterator>
#include <regex>
#include <sstream>

#include "support/process.hpp"

namespace zc::test {

std::vector<std::string> links_into(const std::string& port) {
  const std::string out = run({"pw-link", "-l"}, std::chrono::seconds(5)).output;
  std::vector<std::string> from;
  const size_t at = out.find("\n" + port + "\n");
  if (at == std::string::npos && out.rfind(port + "\n", 0) != 0) return from;
  size_t line = out.find('\n', at == std::string::npos ? 0 : at + 1);
  while (line != std::string::npos && out.compare(line + 1, 6, "  |<- ") == 0) {
    const size_t end = out.find('\n', line + 1);
    from.push_back(out.substr(line + 7, end - line - 7));
    line = end;
  }
  return from;
}

std::vector<std::string> links_into_node(const std::string& node) {
  std::istringstream out(run({"pw-link", "-l"}, std::chrono::seconds(5)).output);
  std::vector<std::string> from;
  bool ours = false;  // the port line above belongs to `node`
  for (std::string line; std::getline(out, line);) {
    if (line.rfind("  |", 0) != 0) {
      ours = line.rfind(node + ":", 0) == 0;
    } else if (ours && line.rfind("  |<- ", 0) == 0) {
      from.push_back(line.substr(6));
    }
  }
  return from;
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
