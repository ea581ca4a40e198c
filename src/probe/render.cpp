// Text and JSON renderings of a probe report, and its exit code.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "probe/probe.hpp"

namespace zc::probe {

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
  if (cuda && gpu_import && nvenc) return 0;
  if (vaapi) return 5;
  if (!cuda) return 3;
  if (!gpu_import) return 2;
  return 1;
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
      return "no NVIDIA driver or device and no VA-API encoder: capture and encoding use the CPU";
    case 5:
      return "VA-API encodes on the GPU; frames reach it from the CPU path (one upload a frame)";
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
  // Keys in the order a reader meets them (ordered_json keeps insertion order).
  using Json = nlohmann::ordered_json;
  Json stages = Json::array();
  for (const auto& s : r.stages) {
    Json details = Json::object();
    for (const auto& [k, v] : s.details)
      details[k] = v;
    stages.push_back(Json{
        {"name", s.name}, {"verdict", json_name(s.verdict)}, {"reason", s.reason}, {"details", std::move(details)}});
  }
  const Json j{{"probe", "zerocast zerocopy-probe"},
               {"version", 1},
               {"exit_code", r.exit_code()},
               {"summary", r.summary()},
               {"device", r.device},
               {"cuda", r.cuda},
               {"gpu_import", r.gpu_import},
               {"nvenc", r.nvenc},
               {"vaapi", r.vaapi},
               {"stages", std::move(stages)}};
  // A driver's or loader's message is not promised to be UTF-8: replaced, never thrown.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace zc::probe
