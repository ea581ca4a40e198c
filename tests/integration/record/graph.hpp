#pragma once
// The PipeWire graph as its command-line tools show it, for the record tests that check links.
#include <string>
#include <vector>

namespace zc::test {

// `pw-link -l`: the ports linked into `port` ("zerocast-audio:input_FL"), as "node:port" names.
std::vector<std::string> links_into(const std::string& port);

// Ids of the nodes named `name` (`pw-cli ls Node`).
std::vector<std::string> node_ids(const std::string& name);

}  // namespace zc::test
