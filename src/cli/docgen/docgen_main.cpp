// zc_docgen TEMPLATE DIR: the man page's source (zerocast.1.scd, from the template) and the shell
// completions (zerocast.bash, _zerocast, zerocast.fish) into DIR, made from the command line that
// main() parses with. Run by the build; a file whose text is unchanged is left alone.
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "cli/cli.hpp"
#include "cli/docgen/reference.hpp"
#include "settings/table.hpp"

namespace {

bool write_if_changed(const std::string& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream old;
    old << in.rdbuf();
    if (in && old.str() == text) return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: zc_docgen TEMPLATE DIR\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream man_template;
  man_template << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "zc_docgen: cannot read %s\n", argv[1]);
    return 1;
  }
  // An empty environment: the defaults the help shows are the table's, not the builder's.
  const zc::cli::Context context{zc::settings::Environment(std::map<std::string, std::string>{}),
                                 zc::settings::defaults(zc::settings::Command::record)};
  CLI::App app;
  zc::cli::add_commands(app, context);
  const auto zerocast = zc::cli::describe(app);
  const std::string dir = argv[2];
  const bool ok = write_if_changed(dir + "/zerocast.1.scd", zc::cli::man_page(zerocast, man_template.str())) &&
                  write_if_changed(dir + "/zerocast.bash", zc::cli::bash_completion(zerocast)) &&
                  write_if_changed(dir + "/_zerocast", zc::cli::zsh_completion(zerocast)) &&
                  write_if_changed(dir + "/zerocast.fish", zc::cli::fish_completion(zerocast));
  if (!ok) std::fprintf(stderr, "zc_docgen: cannot write into %s\n", dir.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zc_docgen: %s\n", e.what());
    return 1;
  } catch (...) {
    return 1;
  }
}
