#include "cli/docgen/reference.hpp"

#include <cctype>

#include "settings/table.hpp"

namespace zc::cli {
namespace {

bool is_word_char(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_';
}

std::vector<std::string> split(std::string_view text, std::string_view by) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(by, start);
    out.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + by.size();
  }
}

bool names_a_path(std::string_view hint) {
  for (const auto& alt : split(hint, " | ")) {
    if (alt == "FILE" || alt == "PATH" || alt == "DIR") return true;
  }
  return false;
}

// "-o,--output" → "--output"
std::string_view long_name(std::string_view names) {
  const auto comma = names.rfind(',');
  return comma == std::string_view::npos ? names : names.substr(comma + 1);
}

// The table row behind an option made from it (same long name, same hint), if it says its forms.
const settings::Setting* row_with_forms(const std::string& long_option, const std::string& hint) {
  for (const auto& row : settings::table()) {
    if (row.forms.empty() || row.hint != hint) continue;
    if (long_name(row.doors.cli) == long_option || long_name(row.doors.daemon_cli) == long_option) return &row;
  }
  return nullptr;
}

OptionRef option_ref(const CLI::Option& o) {
  OptionRef r;
  r.positional = !o.nonpositional();
  if (r.positional) {
    r.names.push_back(o.get_name(true));
  } else {
    for (const auto& s : o.get_snames())
      r.names.push_back("-" + s);
    for (const auto& l : o.get_lnames())
      r.names.push_back("--" + l);
  }
  r.help = o.get_description();
  if (const auto d = o.get_default_str(); !d.empty() && r.help.find("default") == std::string::npos) {
    r.help += " (default: " + d + ")";
  }
  r.required = o.get_required();
  if (o.get_type_size() == 0) return r;  // a flag
  r.value = o.get_type_name();
  r.repeatable = o.get_items_expected_max() > 1;
  r.files = names_a_path(r.value);
  const settings::Setting* row = r.positional ? nullptr : row_with_forms(r.names.back(), r.value);
  r.forms = forms_of(row != nullptr ? row->forms : std::string_view(r.value));
  return r;
}

}  // namespace

std::vector<std::string> forms_of(std::string_view hint) {
  std::vector<std::string> forms;
  bool any_word = false;
  for (const auto& alt : split(hint, " | ")) {
    size_t end = 0;
    while (end < alt.size() && is_word_char(alt[end]))
      ++end;
    if (end == 0 || alt[0] == '-') continue;  // a placeholder, a range or a free form
    const std::string word = alt.substr(0, end);
    const std::string_view rest = std::string_view(alt).substr(end);
    if (rest.empty()) {
      forms.push_back(word);
    } else if (rest == ":" ||
               (rest.size() > 1 && rest[0] == ':' && std::isupper(static_cast<unsigned char>(rest[1])))) {
      forms.push_back(word + ":");  // node:ID → node:
    } else if (rest.size() > 3 && rest.substr(0, 2) == "[:" && rest.back() == ']') {
      forms.push_back(word);  // portal[:monitor|window] → portal portal:monitor portal:window
      for (const auto& sub : split(rest.substr(2, rest.size() - 3), "|")) {
        std::string form = word;
        forms.push_back(form.append(":").append(sub));
      }
    } else {
      continue;
    }
    any_word = any_word || std::isalpha(static_cast<unsigned char>(word[0]));
  }
  if (!any_word) forms.clear();
  return forms;
}

CommandRef describe(const CLI::App& app) {
  CommandRef c;
  c.name = app.get_name();
  c.help = app.get_description();
  c.footer = app.get_footer();
  for (const auto* o : app.get_options()) {
    if (o->get_group().empty()) continue;  // hidden
    (o->nonpositional() ? c.options : c.positionals).push_back(option_ref(*o));
  }
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    c.commands.push_back(describe(*sub));
  return c;
}

}  // namespace zc::cli
