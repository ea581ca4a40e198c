#include "cli/sources.hpp"

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "core/log.hpp"
#include "session/record_options.hpp"

namespace zc::cli {
namespace {

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

std::string sources_text(const service::SourceList& list) {
  // A node's line shows its id and serial (and a sound node's name); the portal's, its kinds.
  const auto value = [](const service::SourceEntry& e) {
    if (e.kind == "portal") return std::string("portal[:monitor|window|virtual]");
    std::string v = shell_word(e.value);
    for (const auto& alias : e.aliases)
      v += " " + shell_word(alias);
    if (e.gamescope) v += " gamescope";
    return v;
  };
  std::string out = "Video, for --source:\n";
  for (const auto& e : list.video)
    line(out, value(e), e.what);
  out += "Sound, for --audio:\n";
  for (const auto& e : list.sound)
    line(out, value(e), e.what);
  return out;
}

std::function<int()> add_sources_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sources", "List the video and sound sources record can capture now");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print the list as JSON (for programs)");
  return [json]() -> int {
    auto nodes = capture::list_nodes();
    if (!nodes) {
      zc::log::error("sources: {}", nodes.error().describe());
      return session::kExitRuntime;
    }
    const service::SourceList list = service::list_sources(*nodes);
    std::fputs((*json ? service::sources_json(list) : sources_text(list)).c_str(), stdout);
    return 0;
  };
}

}  // namespace zc::cli
