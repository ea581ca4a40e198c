#include "settings/capture_options.hpp"

#include <ctime>

#include "output/target.hpp"

namespace zc::settings {
namespace {

const char* kStage = "options";

tl::unexpected<Error> bad(const std::string& message) {
  return fail(Errc::invalid_argument, kStage, message);
}

std::string dbus_type(Kind kind) {
  switch (kind) {
    case Kind::text:
      return "s";
    case Kind::list:
      return "as";
    case Kind::integer:
      return "u";
    case Kind::number:
      return "d";
    case Kind::flag:
      return "b";
  }
  return "v";
}

std::string known_options() {
  std::string out;
  for (const auto& o : capture_option_list()) {
    out += out.empty() ? "" : ", ";
    out += o.name;
  }
  return out;
}

}  // namespace

std::vector<OptionInfo> capture_option_list() {
  std::vector<OptionInfo> list;
  for (const auto& row : table()) {
    if (row.doors.dbus.empty()) continue;
    list.push_back({std::string(row.doors.dbus), dbus_type(row.kind), std::string(row.help)});
  }
  return list;
}

Result<CaptureSpec> capture_spec(const Settings& config, const OptionMap& options, uint32_t id) {
  Settings s = config;
  for (const auto& [name, value] : options) {
    const Setting* row = find(&Doors::dbus, name);
    if (!row) return bad("unknown option '" + name + "' (known: " + known_options() + ")");
    if (auto ok = set(s, *row, value, kFromBus, "option '" + name + "'", kStage); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // What only the whole can tell: the codec and bit depth together, something to do, outputs the
  // daemon can use.
  session::RecordOptions& r = s.capture;
  if (r.bit_depth == encode::BitDepth::Ten && r.codec == encode::Codec::H264) {
    return bad("option 'bit-depth' 10 needs codec hevc or av1 (zerocast encodes H.264 at 8 bits)");
  }
  r.audio_codec = session::audio_codec_for(r);  // settled once: the outputs and every pipeline share it
  CaptureSpec spec;
  spec.replay_seconds = s.daemon.replay_seconds;
  spec.replay_max_bytes = static_cast<size_t>(s.daemon.replay_max_megabytes) * 1024 * 1024;
  if (r.outputs.empty() && spec.replay_seconds == 0) return bad("nothing to do: give 'outputs' or 'replay' seconds");
  // Templates and folders become names now (the files are claimed when the capture starts).
  if (auto ok = session::name_outputs(r, {capture::to_string(r.source), std::to_string(id), std::time(nullptr)}); !ok) {
    return tl::unexpected(ok.error());
  }
  for (const auto& out : r.outputs) {
    // The daemon's working directory is nobody's business: files are named in full.
    if (out.find("://") == std::string::npos && (out.empty() || out.front() != '/')) {
      return bad("output '" + out + "' must be an absolute path or a URL");
    }
    if (auto ok = output::check_compatible(encode::codec_id(r.codec), out); !ok) return tl::unexpected(ok.error());
    if (r.audio_codec) {
      if (auto ok = output::check_compatible(encode::codec_id(*r.audio_codec), out); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  if (auto ok = session::validate(r, /*require_output=*/false); !ok) return tl::unexpected(ok.error());
  if (const auto existing = session::existing_output(r)) {
    return bad("the file " + *existing + " exists; to replace it, set option 'overwrite'");
  }
  spec.record = std::move(r);
  return spec;
}

}  // namespace zc::settings
