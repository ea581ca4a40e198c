#pragma once
// The PipeWire graph as its command-line tools show it, for the record tests that check links.
#include <string>
#include <vector>

namespace zc::test {

// `pw-link -l`: the ports linked into `port` ("zerocast-audio:input_FL"), as "node:port" names.
std::vector<std::string> links_into(const std::string& port);

// `pw-link -l`: the ports linked into any input port of the node named `node`, as "node:port"
// names. For a video stream, whose port names differ between PipeWire versions ("in_0" in
// 0.3.65, "input_1" in 1.4).
std::vector<std::string> links_into_node(const std::string& node);

// Ids of the nodes named `name` (`pw-cli ls Node`).
std::vector<std::string> node_ids(const std::string& name);

}  // namespace zc::test
