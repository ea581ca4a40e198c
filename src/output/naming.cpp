#include "output/naming.hpp"

#include <filesystem>

#include "output/target.hpp"

namespace zc::output {
namespace {

constexpr const char* kStage = "output";

std::string file_safe(std::string text) {
  for (char& c : text) {
    if (c == '/' || c == ':' || c == '\0') c = '-';
  }
  return text;
}

bool is_folder(std::string_view spec) {
  if (spec.ends_with('/')) return true;
  std::error_code ec;
  return std::filesystem::is_directory(std::string(spec), ec);
}

}  // namespace

bool is_template(std::string_view spec) {
  if (spec.find("://") != std::string_view::npos) return false;
  return spec.find('%') != std::string_view::npos || spec.find('{') != std::string_view::npos || is_folder(spec);
}

Result<std::string> expand_name(std::string_view spec, const NameFields& fields) {
  std::string text(spec);
  if (is_folder(spec)) text += (spec.ends_with('/') ? "" : "/") + std::string(kDefaultName);
  std::string filled;
  for (size_t at = 0; at < text.size();) {
    if (text[at] != '{') {
      filled += text[at++];
      continue;
    }
    const size_t close = text.find('}', at);
    const std::string field = text.substr(at, close == std::string::npos ? std::string::npos : close - at + 1);
    if (field == "{source}") {
      filled += file_safe(fields.source);
    } else if (field == "{id}") {
      filled += file_safe(fields.id);
    } else {
      return fail(Errc::invalid_argument, kStage,
                  "'" + std::string(spec) + "': unknown field " + field +
                      " (known: {source}, {id}, and strftime's %Y, %m ...)");
    }
    at += field.size();
  }
  std::tm local{};
  localtime_r(&fields.when, &local);
  std::string out(filled.size() + 256, '\0');
  const size_t n = std::strftime(out.data(), out.size(), filled.c_str(), &local);
  if (n == 0) return fail(Errc::invalid_argument, kStage, "'" + std::string(spec) + "' names no file");
  out.resize(n);
  return out;
}

Result<std::string> claim_name(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string ext = p.extension().string();
  return claim_new_file(p.parent_path().string(), p.stem().string(), ext);
}

}  // namespace zc::output
