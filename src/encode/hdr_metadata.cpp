#include "encode/hdr_metadata.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/mastering_display_metadata.h>
}

#include "core/parse_number.hpp"

namespace zc::encode {
namespace {

constexpr double kChromaUnit = 0.00002;  // x265's and HEVC SEI's units
constexpr double kLightUnit = 0.0001;
constexpr Chromaticity kD65{0.3127, 0.3290};

struct NamedPrimaries {
  std::string_view name;
  Chromaticity red, green, blue;
};
constexpr std::array<NamedPrimaries, 3> kNamed{{
    {"bt2020", {0.708, 0.292}, {0.170, 0.797}, {0.131, 0.046}},
    {"p3-d65", {0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}},
    {"bt709", {0.640, 0.330}, {0.300, 0.600}, {0.150, 0.060}},
}};

tl::unexpected<Error> bad(std::string why) {
  return fail(Errc::invalid_argument, "hdr", std::move(why));
}

// Takes "L(" ... ")" off the front of `text`: two numbers separated by a comma.
std::optional<std::array<double, 2>> take_pair(std::string_view& text, std::string_view label) {
  if (!text.starts_with(label) || text.size() <= label.size() || text[label.size()] != '(') return std::nullopt;
  text.remove_prefix(label.size() + 1);
  const size_t close = text.find(')');
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view inside = text.substr(0, close);
  text.remove_prefix(close + 1);
  const size_t comma = inside.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto a = parse_number<uint32_t>(inside.substr(0, comma));
  const auto b = parse_number<uint32_t>(inside.substr(comma + 1));
  if (!a || !b) return std::nullopt;
  return std::array<double, 2>{static_cast<double>(*a), static_cast<double>(*b)};
}

Result<MasteringDisplay> parse_x265_form(std::string_view text) {
  const std::string_view whole = text;
  MasteringDisplay d;
  const std::array<std::pair<std::string_view, Chromaticity*>, 4> parts{
      {{"G", &d.green}, {"B", &d.blue}, {"R", &d.red}, {"WP", &d.white}}};
  for (const auto& [label, where] : parts) {
    const auto xy = take_pair(text, label);
    if (!xy || (*xy)[0] > 50000 || (*xy)[1] > 50000) {
      return bad(fmt::format("'{}': {}(x,y) must be two whole numbers of 0.00002 (0-50000)", whole, label));
    }
    *where = {(*xy)[0] * kChromaUnit, (*xy)[1] * kChromaUnit};
  }
  const auto light = take_pair(text, "L");
  if (!light || !text.empty()) {
    return bad(fmt::format("'{}': must end with L(max,min), the light in whole numbers of 0.0001 cd/m²", whole));
  }
  d.max_luminance = (*light)[0] * kLightUnit;
  d.min_luminance = (*light)[1] * kLightUnit;
  return d;
}

Result<MasteringDisplay> parse_named_form(std::string_view text) {
  const size_t first = text.find(',');
  const size_t second = first == std::string_view::npos ? first : text.find(',', first + 1);
  if (second == std::string_view::npos) {
    return bad(fmt::format("'{}' is neither G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min) nor PRIMARIES,MAX,MIN", text));
  }
  const std::string_view name = text.substr(0, first);
  const NamedPrimaries* named = nullptr;
  for (const auto& n : kNamed) {
    if (n.name == name) named = &n;
  }
  if (!named) return bad(fmt::format("'{}': primaries must be bt2020, p3-d65 or bt709", name));
  const auto max = parse_number<double>(text.substr(first + 1, second - first - 1));
  const auto min = parse_number<double>(text.substr(second + 1));
  if (!max || !min || *max <= 0 || *max > 10000 || *min < 0 || *min > 6.5535) {
    return bad(fmt::format("'{}': the light must be MAX (up to 10000 cd/m²) then MIN (0 to 6.5535 cd/m²)", text));
  }
  return MasteringDisplay{named->red, named->green, named->blue, kD65, *max, *min};
}

AVRational rational(double value, int den) {
  return AVRational{static_cast<int>(std::lround(value * den)), den};
}

}  // namespace

Result<MasteringDisplay> parse_mastering_display(std::string_view text) {
  auto d = text.starts_with("G(") ? parse_x265_form(text) : parse_named_form(text);
  if (!d) return d;
  if (d->min_luminance >= d->max_luminance) {
    return bad(fmt::format("'{}': the least light must be below the most", text));
  }
  return d;
}

Result<ContentLight> parse_content_light(std::string_view text) {
  const size_t comma = text.find(',');
  const auto cll = parse_number<uint16_t>(text.substr(0, comma));
  const auto fall = parse_number<uint16_t>(comma == std::string_view::npos ? "" : text.substr(comma + 1));
  if (!cll || !fall) return bad(fmt::format("'{}' must be MAXCLL,MAXFALL in cd/m² (0-65535 each)", text));
  if (*fall > *cll) return bad(fmt::format("'{}': MaxFALL (a frame's average) cannot exceed MaxCLL", text));
  return ContentLight{*cll, *fall};
}

std::string x265_master_display(const MasteringDisplay& d) {
  auto c = [](double v) { return std::lround(v / kChromaUnit); };
  auto l = [](double v) { return std::lround(v / kLightUnit); };
  return fmt::format("G({},{})B({},{})R({},{})WP({},{})L({},{})", c(d.green.x), c(d.green.y), c(d.blue.x), c(d.blue.y),
                     c(d.red.x), c(d.red.y), c(d.white.x), c(d.white.y), l(d.max_luminance), l(d.min_luminance));
}

std::string svtav1_mastering_display(const MasteringDisplay& d) {
  return fmt::format("G({:.5f},{:.5f})B({:.5f},{:.5f})R({:.5f},{:.5f})WP({:.5f},{:.5f})L({:.4f},{:.4f})", d.green.x,
                     d.green.y, d.blue.x, d.blue.y, d.red.x, d.red.y, d.white.x, d.white.y, d.max_luminance,
                     d.min_luminance);
}

std::string to_string(const ContentLight& l) {
  return fmt::format("{},{}", l.max_cll, l.max_fall);
}

std::string to_string(const MasteringDisplay& d) {
  return x265_master_display(d);
}

std::vector<ffmpeg::StreamSideData> stream_side_data(const HdrMetadata& hdr) {
  std::vector<ffmpeg::StreamSideData> out;
  if (hdr.display) {
    const MasteringDisplay& d = *hdr.display;
    AVMasteringDisplayMetadata m{};
    constexpr int kChromaDen = 50000;
    constexpr int kLightDen = 10000;
    const std::array<const Chromaticity*, 3> rgb{&d.red, &d.green, &d.blue};
    for (size_t i = 0; i < rgb.size(); ++i) {
      m.display_primaries[i][0] = rational(rgb[i]->x, kChromaDen);
      m.display_primaries[i][1] = rational(rgb[i]->y, kChromaDen);
    }
    m.white_point[0] = rational(d.white.x, kChromaDen);
    m.white_point[1] = rational(d.white.y, kChromaDen);
    m.max_luminance = rational(d.max_luminance, kLightDen);
    m.min_luminance = rational(d.min_luminance, kLightDen);
    m.has_primaries = 1;
    m.has_luminance = 1;
    ffmpeg::StreamSideData s{AV_PKT_DATA_MASTERING_DISPLAY_METADATA, std::vector<uint8_t>(sizeof m)};
    std::memcpy(s.bytes.data(), &m, sizeof m);
    out.push_back(std::move(s));
  }
  if (hdr.light) {
    AVContentLightMetadata l{hdr.light->max_cll, hdr.light->max_fall};
    ffmpeg::StreamSideData s{AV_PKT_DATA_CONTENT_LIGHT_LEVEL, std::vector<uint8_t>(sizeof l)};
    std::memcpy(s.bytes.data(), &l, sizeof l);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace zc::encode
