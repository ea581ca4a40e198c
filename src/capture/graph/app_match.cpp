#include "capture/graph/app_match.hpp"

#include <algorithm>
#include <array>

namespace zc::capture {
namespace {

bool equal_ci(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

template <size_t N>
bool one_of(std::string_view channel, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), channel) != set.end();
}

// SPA's channel names (spa/param/audio/raw.h), by the side of the listener they are on.
constexpr std::array<std::string_view, 12> kLeft{"FL",  "SL",  "RL",  "FLC", "TFL", "TRL",
                                                 "TSL", "FLW", "FLH", "RLC", "BLC", "TFLC"};
constexpr std::array<std::string_view, 12> kRight{"FR",  "SR",  "RR",  "FRC", "TFR", "TRR",
                                                  "TSR", "FRW", "FRH", "RRC", "BRC", "TFRC"};
constexpr std::array<std::string_view, 8> kCentre{"MONO", "FC", "RC", "TC", "TFC", "TRC", "BC", "FCH"};

}  // namespace

AppIdentity app_identity(const AppIdentity& node, const AppIdentity& client) {
  return {node.name.empty() ? client.name : node.name, node.binary.empty() ? client.binary : node.binary};
}

bool app_matches(std::string_view wanted, const AppIdentity& app) {
  if (wanted.empty()) return false;
  return (!app.name.empty() && equal_ci(wanted, app.name)) || (!app.binary.empty() && equal_ci(wanted, app.binary));
}

bool channel_feeds(std::string_view from, std::string_view to) {
  if (from.empty() || to.empty()) return false;
  if (from == to) return true;
  if (from.rfind("LFE", 0) == 0 || from.rfind("AUX", 0) == 0) return false;
  if (to == "MONO") return true;
  if (to == "FL") return one_of(from, kLeft) || one_of(from, kCentre);
  if (to == "FR") return one_of(from, kRight) || one_of(from, kCentre);
  return false;
}

std::set<LinkPair> plan_links(const std::vector<PortInfo>& ports, const std::set<uint32_t>& apps, uint32_t own_node) {
  std::set<LinkPair> links;
  if (apps.empty() || own_node == 0) return links;
  for (const auto& in : ports) {
    if (in.output || in.monitor || in.node != own_node || in.channel.empty()) continue;
    for (const auto& out : ports) {
      if (!out.output || out.monitor || !apps.contains(out.node) || out.node == own_node) continue;
      if (channel_feeds(out.channel, in.channel)) links.insert({out.node, out.id, in.node, in.id});
    }
  }
  return links;
}

}  // namespace zc::capture
