#include "cli/sources.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "capture/audio_source.hpp"
#include "core/log.hpp"
#include "session/record_options.hpp"

namespace zc::cli {
namespace {

using capture::NodeInfo;

// "Speakers (Audio/Sink)", or the node.name where there is no description.
std::string label(const NodeInfo& n) {
  const std::string& what = n.description.empty() ? n.name : n.description;
  return fmt::format("{} ({})", what.empty() ? "unnamed" : what, n.media_class);
}

// A value as a shell takes it: quoted when it has a space or a quote in it.
std::string shell_word(const std::string& word) {
  if (word.find_first_of(" '\"\\$`") == std::string::npos) return word;
  std::string quoted = "'";
  for (char c : word)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void line(std::string& out, const std::string& value, const std::string& what) {
  out += fmt::format("  {:<40} {}\n", value, what);
}

}  // namespace

std::string sources_text(const std::vector<NodeInfo>& nodes) {
  std::vector<NodeInfo> sorted = nodes;
  std::sort(sorted.begin(), sorted.end(), [](const NodeInfo& a, const NodeInfo& b) { return a.id < b.id; });

  // The node --source gamescope resolves to, by the rule record uses.
  const auto gamescope = capture::find_source({capture::SourceSpec::Kind::gamescope, 0}, nodes);
  std::string out = "Video, for --source:\n";
  for (const auto& n : sorted) {
    if (!capture::is_video_source(n)) continue;
    std::string value = fmt::format("node:{} serial:{}", n.id, n.serial);
    if (gamescope && gamescope->serial == n.serial) value += " gamescope";
    line(out, value, label(n));
  }
  line(out, "portal[:monitor|window|virtual]", "the ScreenCast portal's dialog (types joined by '+')");
  line(out, "test", "the built-in test source");

  out += "Sound, for --audio:\n";
  line(out, "output", "what is played: the default sink's monitor, following the default");
  line(out, "input", "the default microphone, following the default");
  std::map<std::string, std::vector<const NodeInfo*>> apps;  // application streams by application.name
  for (const auto& n : sorted) {
    if (!capture::is_audio_node(n)) continue;
    if (n.media_class == "Stream/Output/Audio" && !n.app_name.empty()) apps[n.app_name].push_back(&n);
    std::string what = label(n);
    if (capture::is_audio_sink(n)) what += ", through its monitor";
    const std::string name = n.name.empty() ? "" : " " + shell_word("name:" + n.name);
    line(out, fmt::format("node:{} serial:{}{}", n.id, n.serial, name), what);
  }
  for (const auto& [app, streams] : apps) {
    std::string ids;
    for (const NodeInfo* n : streams)
      ids += (ids.empty() ? "node " : ", ") + std::to_string(n->id);
    line(out, shell_word("app:" + app),
         fmt::format("{} playback stream{} ({}), and any it opens later", streams.size(),
                     streams.size() == 1 ? "" : "s", ids));
  }
  return out;
}

std::function<int()> add_sources_command(CLI::App& app) {
  app.add_subcommand("sources", "List the video and sound sources record can capture now");
  return []() -> int {
    auto nodes = capture::list_nodes();
    if (!nodes) {
      spdlog::error("sources: {}", nodes.error().describe());
      return session::kExitRuntime;
    }
    std::fputs(sources_text(*nodes).c_str(), stdout);
    return 0;
  };
}

}  // namespace zc::cli
