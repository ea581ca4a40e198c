#include "service/source_list.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/audio/audio_source.hpp"

namespace zc::service {
namespace {

using capture::NodeInfo;

// "Speakers (Audio/Sink)", or the node.name where there is no description.
std::string label(const NodeInfo& n) {
  const std::string& what = n.description.empty() ? n.name : n.description;
  return fmt::format("{} ({})", what.empty() ? "unnamed" : what, n.media_class);
}

SourceEntry plain(std::string kind, std::string value, std::string what) {
  SourceEntry e;
  e.kind = std::move(kind);
  e.value = std::move(value);
  e.what = std::move(what);
  return e;
}

SourceEntry node_entry(const NodeInfo& n) {
  SourceEntry e;
  e.kind = "node";
  e.value = fmt::format("node:{}", n.id);
  e.aliases.push_back(fmt::format("serial:{}", n.serial));
  e.what = label(n);
  e.node = n;
  return e;
}

nlohmann::json to_json(const SourceEntry& e, bool video) {
  nlohmann::json j{{"kind", e.kind}, {"value", e.value}, {"aliases", e.aliases}, {"description", e.what}};
  if (e.node) {
    j["id"] = e.node->id;
    j["serial"] = e.node->serial;
    j["name"] = e.node->name;
    j["node_description"] = e.node->description;
    j["media_class"] = e.node->media_class;
    j["application"] = e.node->app_name;
  }
  if (e.kind == "node") j[video ? "gamescope" : "monitor"] = video ? e.gamescope : e.monitor;
  if (e.kind == "app") j["streams"] = e.streams;
  return j;
}

}  // namespace

SourceList list_sources(const std::vector<NodeInfo>& nodes) {
  std::vector<NodeInfo> sorted = nodes;
  std::sort(sorted.begin(), sorted.end(), [](const NodeInfo& a, const NodeInfo& b) { return a.id < b.id; });
  SourceList list;

  // The node --source gamescope resolves to, by the rule record uses.
  const auto gamescope = capture::find_source({capture::SourceSpec::Kind::gamescope, 0}, nodes);
  for (const auto& n : sorted) {
    if (!capture::is_video_source(n)) continue;
    SourceEntry e = node_entry(n);
    e.gamescope = gamescope && gamescope->serial == n.serial;
    list.video.push_back(std::move(e));
  }
  SourceEntry portal = plain("portal", "portal", "the ScreenCast portal's dialog (types joined by '+')");
  portal.aliases = {"portal:monitor", "portal:window", "portal:virtual"};
  list.video.push_back(std::move(portal));
  list.video.push_back(plain("test", "test", "the built-in test source"));

  list.sound.push_back(plain("output", "output", "what is played: the default sink's monitor, following the default"));
  list.sound.push_back(plain("input", "input", "the default microphone, following the default"));
  std::map<std::string, std::vector<const NodeInfo*>> apps;  // application streams by application.name
  for (const auto& n : sorted) {
    if (!capture::is_audio_node(n)) continue;
    if (n.media_class == "Stream/Output/Audio" && !n.app_name.empty()) apps[n.app_name].push_back(&n);
    SourceEntry e = node_entry(n);
    if (!n.name.empty()) e.aliases.push_back("name:" + n.name);
    e.monitor = capture::is_audio_sink(n);
    if (e.monitor) e.what += ", through its monitor";
    list.sound.push_back(std::move(e));
  }
  for (const auto& [app, streams] : apps) {
    SourceEntry e;
    e.kind = "app";
    e.value = "app:" + app;
    std::string ids;
    for (const NodeInfo* n : streams) {
      e.streams.push_back(n->id);
      ids += (ids.empty() ? "node " : ", ") + std::to_string(n->id);
    }
    e.what = fmt::format("{} playback stream{} ({}), and any it opens later", streams.size(),
                         streams.size() == 1 ? "" : "s", ids);
    list.sound.push_back(std::move(e));
  }
  return list;
}

std::string sources_json(const SourceList& list) {
  nlohmann::json j{{"video", nlohmann::json::array()}, {"sound", nlohmann::json::array()}};
  for (const auto& e : list.video)
    j["video"].push_back(to_json(e, true));
  for (const auto& e : list.sound)
    j["sound"].push_back(to_json(e, false));
  // Names come from other processes: invalid UTF-8 is replaced, never thrown on.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace zc::service
