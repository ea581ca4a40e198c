// `zerocast zerocopy-probe [--json]`: every stage of the GPU path tried on this machine (the
// probe in src/probe) plus which encoders the linked FFmpeg has. Exit codes: 0 full NVIDIA path,
// 1 GPU import but no NVENC, 2 CUDA but no GPU import, 3 neither NVIDIA nor VA-API, 4 probe
// failed, 5 VA-API encodes.
#include <cstdio>
#include <exception>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "cli/cli.hpp"
#include "cli/probe.hpp"
#include "core/log.hpp"
#include "probe/probe.hpp"

namespace zc::cli {

probe::ProbeStage ffmpeg_encoders_stage() {
  using probe::Verdict;
  static constexpr const char* kEncoders[] = {"h264_nvenc", "hevc_nvenc", "av1_nvenc", "h264_vaapi", "hevc_vaapi",
                                              "av1_vaapi",  "libx264",    "libx265",   "libsvtav1"};
  probe::ProbeStage stage{"ffmpeg.encoders", Verdict::Ok, {}, {}};
  std::string present, missing;
  for (const char* name : kEncoders) {
    const bool has = avcodec_find_encoder_by_name(name) != nullptr;
    stage.details.emplace_back(name, has ? "present" : "missing");
    std::string& list = has ? present : missing;
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  stage.reason = "FFmpeg " + std::string(av_version_info()) + " has " + (present.empty() ? "none" : present);
  if (!missing.empty()) stage.reason += "; lacks " + missing;
  if (present.empty()) stage.verdict = Verdict::Unavailable;
  return stage;
}

int run_zerocopy_probe(bool json, const std::string& vaapi_device) {
  probe::ProbeReport report;
  try {
    probe::ProbeOptions options;
    options.vaapi_device = vaapi_device;
    report = probe::run_probe(options);
  } catch (const std::exception& e) {
    report.probe_error = true;
    report.add({"probe", probe::Verdict::Failed, std::string("the probe failed: ") + e.what(), {}});
  }
  report.add(ffmpeg_encoders_stage());
  const std::string out = json ? probe::render_json(report) : probe::render_text(report);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  return report.exit_code();
}

std::function<int()> add_probe_command(CLI::App& app, const Context& context) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("zerocopy-probe", "Try every stage of the GPU zero-copy path on this machine");
  cmd->add_flag("--json", *json, "Print the report as JSON");
  return [json, node = context.settings.process.vaapi_device] { return run_zerocopy_probe(*json, node); };
}

}  // namespace zc::cli
