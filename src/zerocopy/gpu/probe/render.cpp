// Text and JSON renderings of a probe report, and its exit code.
#include <fmt/format.h>

#include "zerocopy/gpu/probe/probe.hpp"

namespace zc::zerocopy::gpu {
namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Ok:
      return "ok";
    case Verdict::Failed:
      return "failed";
    case Verdict::Unavailable:
      return "unavailable";
    case Verdict::NotTestable:
      return "not testable here";
  }
  return "?";
}

std::string_view json_name(Verdict v) {
  return v == Verdict::NotTestable ? std::string_view("not_testable") : to_string(v);
}

int ProbeReport::exit_code() const {
  if (probe_error) return 4;
  if (!cuda) return 3;
  if (!gpu_import) return 2;
  if (!nvenc) return 1;
  return 0;
}

std::string ProbeReport::summary() const {
  switch (exit_code()) {
    case 0:
      return "full GPU path: zero-copy import into CUDA and NVENC encoding";
    case 1:
      return "GPU import works; no NVENC on this device, so GPU frames are encoded in software";
    case 2:
      return "CUDA works but no GPU import path: capture uses the CPU path";
    case 3:
      return "no NVIDIA driver or device: capture uses the CPU path";
    default:
      return "the probe itself failed";
  }
}

std::string render_text(const ProbeReport& r) {
  size_t width = 0;
  for (const auto& s : r.stages)
    width = std::max(width, s.name.size());
  std::string out = "zerocast zerocopy-probe";
  if (!r.device.empty()) out += " — " + r.device;
  out += "\n\n";
  for (const auto& s : r.stages) {
    out += fmt::format("  {:<{}}  {:<17}  {}\n", s.name, width, to_string(s.verdict), s.reason);
    for (const auto& [k, v] : s.details)
      out += fmt::format("  {:<{}}    {}: {}\n", "", width + 17, k, v);
  }
  out += fmt::format("\n{} (exit code {})\n", r.summary(), r.exit_code());
  return out;
}

std::string render_json(const ProbeReport& r) {
  std::string out = "{\n";
  out += "  \"probe\": \"zerocast zerocopy-probe\",\n  \"version\": 1,\n";
  out += fmt::format("  \"exit_code\": {},\n  \"summary\": {},\n", r.exit_code(), json_string(r.summary()));
  out += fmt::format("  \"device\": {},\n", json_string(r.device));
  out += fmt::format("  \"cuda\": {},\n  \"gpu_import\": {},\n  \"nvenc\": {},\n", r.cuda, r.gpu_import, r.nvenc);
  out += "  \"stages\": [";
  for (size_t i = 0; i < r.stages.size(); ++i) {
    const auto& s = r.stages[i];
    out += i ? ",\n    {" : "\n    {";
    out += fmt::format("\"name\": {}, \"verdict\": {}, \"reason\": {}", json_string(s.name),
                       json_string(json_name(s.verdict)), json_string(s.reason));
    out += ", \"details\": {";
    for (size_t k = 0; k < s.details.size(); ++k)
      out += fmt::format("{}{}: {}", k ? ", " : "", json_string(s.details[k].first), json_string(s.details[k].second));
    out += "}}";
  }
  out += r.stages.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace zc::zerocopy::gpu
