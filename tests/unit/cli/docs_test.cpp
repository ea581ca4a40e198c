// The man page and the shell completions the build made (cli/docgen): the page renders without a
// warning and names every option of every command, every environment variable and config key;
// bash, zsh and fish load their file and complete commands, options, values and ctl verbs. Each
// shell's case reports skipped where the shell is not installed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "settings/table.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

using zc::test::have_program;
using zc::test::run;

namespace {

constexpr auto kTimeout = std::chrono::seconds(20);

std::string docgen_file(const std::string& name) {
  return std::string(ZC_DOCGEN_DIR) + "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every command's path ("", "record", "ctl start") and its options' names, as the parser has them.
void walk(const CLI::App& app, const std::string& path, std::map<std::string, std::vector<std::string>>& out) {
  auto& names = out[path];
  for (const auto* o : app.get_options()) {
    for (const auto& s : o->get_snames())
      names.push_back("-" + s);
    for (const auto& l : o->get_lnames())
      names.push_back("--" + l);
  }
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

std::map<std::string, std::vector<std::string>> command_line() {
  static const zc::cli::Context context{zc::settings::Environment(std::map<std::string, std::string>{}),
                                        zc::settings::defaults(zc::settings::Command::record)};
  CLI::App app;
  zc::cli::add_commands(app, context);
  std::map<std::string, std::vector<std::string>> out;
  walk(app, "", out);
  return out;
}

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

// Typed lines and what completing at their end must offer, in each shell's order.
struct Case {
  std::string line;
  std::vector<std::string> offers;
};
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases{
      {"zerocast rec", {"record"}},
      {"zerocast record --cod", {"--codec"}},
      {"zerocast record --codec ", {"h264", "hevc", "av1"}},
      {"zerocast ctl pa", {"pause"}},
      {"zerocast ctl start --audio-codec ", {"auto", "opus", "aac"}},
      {"zerocast record --source po", {"portal", "portal:monitor", "portal:window", "portal:virtual"}},
      {"zerocast record --audio ap", {"app:"}},
  };
  return kCases;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("the man page renders and names every option, variable and config key") {
  if (std::string(ZC_MAN_PAGE).empty()) ZC_SKIP("scdoc was not found when the build was configured: no man page");
  if (!have_program("groff")) ZC_SKIP("groff is not installed");
  const std::string text_path = zc::test::make_temp_dir("zc-man") + "/zerocast.txt";
  // One long line per paragraph and no hyphenation: every name stays whole. -ww: every warning.
  const auto r = run(
      {"sh", "-c", "groff -k -man -Tutf8 -P-cbou -rLL=2000n -rHY=0 -ww \"$1\" > \"$2\"", "sh", ZC_MAN_PAGE, text_path},
      kTimeout);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.empty());  // groff's warnings
  const std::string text = read_file(text_path);
  REQUIRE(text.find("NAME") != std::string::npos);

  // Each command's section (from its heading to the next) names each of its options.
  const auto commands = command_line();
  REQUIRE(commands.size() >= 18);
  for (const auto& [path, options] : commands) {
    size_t begin = 0;
    size_t end = text.size();
    if (!path.empty()) {
      begin = text.find("\n   zerocast " + path + "\n");
      INFO("command zerocast " << path);
      REQUIRE(begin != std::string::npos);
      end = std::min(text.find("\n   zerocast ", begin + 1), text.find("\nEXIT STATUS", begin));
    }
    const std::string section = text.substr(begin, end - begin);
    for (const auto& name : options) {
      if (!path.empty() && (name == "-h" || name == "--help")) continue;  // said once for all
      INFO("zerocast " << path << " " << name);
      CHECK(section.find(name) != std::string::npos);
    }
  }
  for (const auto& row : zc::settings::table()) {
    for (const std::string_view name : {row.doors.env, row.doors.env_alias, row.doors.toml}) {
      if (name.empty()) continue;
      INFO(name);
      CHECK(text.find(std::string(name)) != std::string::npos);
    }
  }
}

TEST_CASE("bash completes commands, options, values and ctl verbs") {
  const std::string bash_completion = "/usr/share/bash-completion/bash_completion";
  if (!have_program("bash")) ZC_SKIP("bash is not installed");
  if (!std::filesystem::exists(bash_completion)) ZC_SKIP("bash-completion is not installed");
  // COMP_WORDS split as readline splits them (':' and '=' are words of their own); the reply trimmed
  // of what comes before a ':' in the word, as bash-completion does.
  std::string script = R"(source "$1"
source "$2"
zc_complete() {
  COMP_LINE=$1 COMP_POINT=${#1}
  local line=${1//:/ : }
  read -ra COMP_WORDS <<< "${line//=/ = }"
  [[ $1 == *' ' ]] && COMP_WORDS+=('')
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _zerocast zerocast "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  echo "${COMPREPLY[*]}"
}
)";
  std::vector<std::string> expected;
  for (const auto& c : cases()) {
    script += "zc_complete '" + c.line + "'\n";
    std::string reply;
    for (auto word : c.offers) {
      if (c.line.find(':') != std::string::npos) word = word.substr(word.find(':') + 1);
      reply += (reply.empty() ? "" : " ") + word;
    }
    expected.push_back(reply);
  }
  script += "zc_complete 'zerocast record --source portal:w'\nzc_complete 'zerocast record --codec=h'\n";
  expected.emplace_back("window");
  expected.emplace_back("h264 hevc");
  const auto r = run(
      {"bash", "--norc", "--noprofile", "-c", script, "bash", bash_completion, docgen_file("zerocast.bash")}, kTimeout);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(lines_of(r.output) == expected);
}

TEST_CASE("fish completes commands, options, values and ctl verbs") {
  if (!have_program("fish")) ZC_SKIP("fish is not installed");
  for (const auto& c : cases()) {
    const auto r = run(
        {"fish", "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", docgen_file("zerocast.fish"), c.line},
        kTimeout);
    INFO(c.line << " →\n" << r.output);
    REQUIRE(r.status == 0);
    std::vector<std::string> offered;
    for (const auto& l : lines_of(r.output))
      offered.push_back(l.substr(0, l.find('\t')));
    CHECK(sorted(offered) == sorted(c.offers));
  }
}

TEST_CASE("zsh loads its file and completes commands, options, values and ctl verbs") {
  if (!have_program("zsh")) ZC_SKIP("zsh is not installed");
  const auto parse = run({"zsh", "-n", docgen_file("_zerocast")}, kTimeout);
  INFO(parse.output);
  REQUIRE(parse.status == 0);
  // A real interactive zsh in a pseudo-terminal, tab typed at the end of each line.
  const std::string driver = zc::test::source_dir() + "/tests/unit/cli/zsh_complete.zsh";
  for (const auto& c : cases()) {
    const auto r = run({"zsh", "-f", driver, ZC_DOCGEN_DIR, c.line}, kTimeout);
    if (r.status == 77) ZC_SKIP("zsh has no zsh/zpty module");
    INFO(c.line << " →\n" << r.output);
    REQUIRE(r.status == 0);
    CHECK(sorted(words_of(r.output)) == sorted(c.offers));
  }
}
