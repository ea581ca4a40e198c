#include "output/open_sink.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "core/log.hpp"
#include "output/tee_sink.hpp"

namespace zc::output {
namespace {

// The file's folder is made when missing (as `mkdir -p`, the same for every command and for a
// saved replay); then it must be writable.
Result<void> prepare_folder(const Target& target) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(target.location).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::create_directories(dir, ec); ec) {
      return fail(Errc::io, "output:file",
                  "cannot make the folder " + dir.string() + " for " + target.location + ": " + ec.message());
    }
    zc::log::info("output: made the folder {}", dir.string());
  }
  if (::access(dir.c_str(), W_OK) != 0 &&
      !(fs::exists(target.location, ec) && ::access(target.location.c_str(), W_OK) == 0)) {
    return fail(Errc::io, "output:file", "cannot write to " + target.location + ": directory is not writable");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Sink>> open_sink(std::string_view spec, AVCodecID codec, const SinkOptions& options) {
  log::add_url_secrets(spec);
  auto target = parse_target(spec);
  if (!target) return tl::unexpected(target.error());
  if (auto ok = check_compatible(codec, *target); !ok) return tl::unexpected(ok.error());
  if (!target->network()) {
    if (auto ok = prepare_folder(*target); !ok) return tl::unexpected(ok.error());
  }
  const bool queued = target->network() || options.queue_files;
  auto sink = std::make_unique<FormatSink>(std::move(*target), options.format);
  if (!queued) return std::unique_ptr<Sink>(std::move(sink));
  return std::unique_ptr<Sink>(std::make_unique<QueuedSink>(std::move(sink), options.queue));
}

Result<std::unique_ptr<Sink>> open_sinks(const std::vector<std::string>& specs, AVCodecID codec,
                                         const SinkOptions& options) {
  std::vector<std::unique_ptr<Sink>> sinks;
  for (const auto& spec : specs) {
    auto sink = open_sink(spec, codec, options);
    if (!sink) return tl::unexpected(sink.error());
    sinks.push_back(std::move(*sink));
  }
  if (sinks.empty()) return fail(Errc::invalid_argument, "output", "no output given");
  if (sinks.size() == 1) return std::move(sinks.front());
  return std::unique_ptr<Sink>(std::make_unique<TeeSink>(std::move(sinks)));
}

}  // namespace zc::output
