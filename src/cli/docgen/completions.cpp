// The bash, zsh and fish completions: commands, options, and the values whose forms the hints
// name (codecs, sources, ctl verbs), each in its shell's own way.
#include <utility>

#include "cli/docgen/reference.hpp"

namespace zc::cli {
namespace {

constexpr std::string_view kMadeBy = "made from zerocast's command line by zc_docgen: do not edit.";

// Every command with its path ("", "record", "ctl start"), parents before children.
void flatten(const CommandRef& c, const std::string& path,
             std::vector<std::pair<std::string, const CommandRef*>>& out) {
  out.emplace_back(path, &c);
  for (const auto& sub : c.commands)
    flatten(sub, path.empty() ? sub.name : path + " " + sub.name, out);
}

std::vector<std::pair<std::string, const CommandRef*>> commands_of(const CommandRef& zerocast) {
  std::vector<std::pair<std::string, const CommandRef*>> out;
  flatten(zerocast, "", out);
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view by = " ") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += by;
    out += i;
  }
  return out;
}

// The help's first clause: what a completion menu has room for.
std::string short_help(const std::string& help) {
  size_t end = help.size();
  for (std::string_view stop : {"; ", ". ", " (", ": "}) {
    const size_t at = help.find(stop);
    if (at != std::string::npos && at > 8) end = std::min(end, at);
  }
  std::string out = help.substr(0, end);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

// Inside '...' in bash, zsh and fish alike ('\'' ends, escapes and reopens the quotes; fish takes
// \' inside them).
std::string single_quoted(const std::string& text, bool fish = false) {
  return "'" + (fish ? replace_all(replace_all(text, "\\", "\\\\"), "'", "\\'") : replace_all(text, "'", "'\\''")) +
         "'";
}

// One entry of a bash associative array: `        ['KEY']='VALUE'`.
std::string bash_entry(const std::string& key, const std::string& value) {
  std::string line = "        [";
  line += single_quoted(key);
  line += "]=";
  line += single_quoted(value);
  line += "\n";
  return line;
}

bool has_file_positional(const CommandRef& c) {
  for (const auto& p : c.positionals) {
    if (p.files) return true;
  }
  return false;
}

}  // namespace

std::string bash_completion(const CommandRef& zerocast) {
  const auto all = commands_of(zerocast);
  std::string commands;
  std::string options;
  std::string values;
  std::string files;
  for (const auto& [path, c] : all) {
    const std::string key = path.empty() ? "zerocast" : "zerocast " + path;
    std::vector<std::string> names;
    names.reserve(c->commands.size());
    for (const auto& sub : c->commands)
      names.push_back(sub.name);
    if (!names.empty()) commands += bash_entry(key, join(names));
    std::vector<std::string> option_names;
    for (const auto& o : c->options) {
      for (const auto& n : o.names) {
        option_names.push_back(n);
        if (o.value.empty()) continue;
        std::string option_key = key;
        option_key.append(" ").append(n);
        values += bash_entry(option_key, join(o.forms));
        if (o.files) files += bash_entry(option_key, "1");
      }
    }
    options += bash_entry(key, join(option_names));
    if (has_file_positional(*c)) files += bash_entry(key, "1");
  }
  std::string out = "# bash completion for zerocast(1), " + std::string(kMadeBy) + "\n";
  out += R"(_zerocast() {
    local cur prev words cword split
    _init_completion -s -n : || return

    # Each command's subcommands and options, by the command's path.
    local -A commands=(
)" + commands +
         R"(    )
    local -A options=(
)" + options +
         R"(    )
    # The options that take a value ("PATH OPTION"), and the words and prefixes that complete it.
    local -A values=(
)" + values +
         R"(    )
    # Values, and commands' arguments, that are files.
    local -A files=(
)" + files +
         R"(    )

    # The command typed so far: only commands without valued options have subcommands, so a word
    # that names a subcommand is one.
    local path=zerocast i
    for ((i = 1; i < cword; i++)); do
        if [[ " ${commands[$path]-} " == *" ${words[i]} "* ]]; then
            path+=" ${words[i]}"
        fi
    done

    if [[ -n ${values["$path $prev"]+set} ]]; then
        if [[ -n ${files["$path $prev"]+set} ]]; then
            _filedir
        else
            COMPREPLY=($(compgen -W "${values["$path $prev"]}" -- "$cur"))
            # A prefix (node:, app:) is completed further, not ended with a space.
            if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]]; then
                compopt -o nospace 2>/dev/null
            fi
            __ltrim_colon_completions "$cur"
        fi
        return
    fi
    $split && return
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "${options[$path]-}" -- "$cur"))
    elif [[ -n ${commands[$path]+set} ]]; then
        COMPREPLY=($(compgen -W "${commands[$path]}" -- "$cur"))
    elif [[ -n ${files[$path]+set} ]]; then
        _filedir
    fi
} &&
    complete -F _zerocast zerocast
)";
  return out;
}

namespace {

// Escapes for _arguments' specs: \: in messages and actions, \[ \] in explanations.
std::string zsh_spec_text(const std::string& text) {
  return replace_all(replace_all(replace_all(text, ":", "\\:"), "[", "\\["), "]", "\\]");
}

std::string zsh_function_name(const std::string& path) {
  std::string name = "_zerocast_cmd";
  for (char c : path)
    name += (c == ' ' || c == '-') ? '_' : c;
  return name;
}

std::string zsh_action(const OptionRef& o) {
  if (o.files) return "_files";
  if (o.forms.empty()) return " ";
  return "{_zerocast_values " + zsh_spec_text(join(o.forms)) + "}";
}

std::string zsh_option_spec(const OptionRef& o) {
  std::vector<std::string> names;
  for (const auto& n : o.names) {
    const bool is_long = n.size() > 2;
    names.push_back(o.value.empty() ? n : n + (is_long ? "=" : "+"));
  }
  std::string spec;
  if (o.repeatable) {
    spec = "'*'";
  } else if (o.names.size() > 1) {
    spec = single_quoted("(" + join(o.names) + ")");
  }
  spec += names.size() > 1 ? "{" + join(names, ",") + "}" : single_quoted(names.front());
  std::string rest = "[" + zsh_spec_text(short_help(o.help)) + "]";
  if (!o.value.empty()) rest += ":" + zsh_spec_text(o.value) + ":" + zsh_action(o);
  return spec + single_quoted(rest);
}

}  // namespace

std::string zsh_completion(const CommandRef& zerocast) {
  std::string out = "#compdef zerocast\n# zsh completion for zerocast(1), " + std::string(kMadeBy) + "\n\n";
  out += R"(# Its arguments: words, and prefixes ending in ':' (node:, app:) that are completed further.
_zerocast_values() {
  local -a choices prefixes
  local w ret=1
  for w in "$@"; do
    if [[ $w == *: ]]; then prefixes+=($w); else choices+=($w); fi
  done
  (( $#choices )) && compadd -a choices && ret=0
  (( $#prefixes )) && compadd -S '' -a prefixes && ret=0
  return ret
}
)";
  for (const auto& [path, c] : commands_of(zerocast)) {
    out += "\n" + zsh_function_name(path) + "() {\n";
    std::vector<std::string> specs;
    specs.reserve(c->options.size() + c->positionals.size());
    for (const auto& o : c->options)
      specs.push_back(zsh_option_spec(o));
    for (const auto& p : c->positionals) {
      specs.push_back(
          single_quoted((p.required ? ":" : "::") + zsh_spec_text(p.names.front()) + ":" + (p.files ? "_files" : " ")));
    }
    if (c->commands.empty()) {
      out += "  _arguments -s -S";
      for (const auto& s : specs)
        out += " \\\n    " + s;
      out += "\n}\n";
      continue;
    }
    out += "  local curcontext=$curcontext state line ret=1\n  local -a commands=(\n";
    for (const auto& sub : c->commands)
      out += "    " + single_quoted(sub.name + ":" + short_help(sub.help)) + "\n";
    out += "  )\n  _arguments -C";
    for (const auto& s : specs)
      out += " \\\n    " + s;
    out += " \\\n    ': :->command' \\\n    '*:: :->argument' && return 0\n";
    out += "  case $state in\n    command) _describe -t commands " + single_quoted("zerocast " + path + " command") +
           " commands ;;\n    argument)\n      case $words[1] in\n";
    for (const auto& sub : c->commands) {
      out +=
          "        " + sub.name + ") " + zsh_function_name(path.empty() ? sub.name : path + " " + sub.name) + " ;;\n";
    }
    out += "      esac ;;\n  esac\n}\n";
  }
  out += "\n_zerocast_cmd \"$@\"\n";
  return out;
}

std::string fish_completion(const CommandRef& zerocast) {
  const auto all = commands_of(zerocast);
  std::vector<std::string> paths;
  for (const auto& [path, c] : all) {
    if (!path.empty()) paths.push_back(single_quoted(path, true));
  }
  std::string out = "# fish completion for zerocast(1), " + std::string(kMadeBy) + "\n";
  out += R"(
# The command typed so far ("", "record", "ctl start"): only commands without valued options have
# subcommands, so a word that names one is one.
function __zerocast_path
    set -l commands )" +
         join(paths) + R"(
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path
    for t in $tokens
        if contains -- (string join -- ' ' $path $t) $commands
            set -a path $t
        end
    end
    string join -- ' ' $path
end

function __zerocast_at
    set -l path (__zerocast_path)
    test "$path" = "$argv"
end

complete -c zerocast -f
)";
  for (const auto& [path, c] : all) {
    const std::string at = "-n " + single_quoted("__zerocast_at " + path, true);
    for (const auto& sub : c->commands) {
      out += "complete -c zerocast " + at + " -a " + single_quoted(sub.name, true) + " -d " +
             single_quoted(short_help(sub.help), true) + "\n";
    }
    for (const auto& o : c->options) {
      std::string line = "complete -c zerocast " + at;
      for (const auto& n : o.names)
        line += (n.size() == 2 ? " -s " : " -l ") + n.substr(n.size() == 2 ? 1 : 2);
      if (!o.value.empty()) {
        if (o.files) {
          line += " -r -F";
        } else {
          line += " -x";
          if (!o.forms.empty()) line += " -a " + single_quoted(join(o.forms), true);
        }
      }
      out += line + " -d " + single_quoted(short_help(o.help), true) + "\n";
    }
    if (has_file_positional(*c)) out += "complete -c zerocast " + at + " -F\n";
  }
  return out;
}

}  // namespace zc::cli
