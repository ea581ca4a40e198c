#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/parse_number.hpp"

using zc::parse_number;

TEST_CASE("parse_number takes the whole text as one number", "[parse_number]") {
  CHECK(parse_number<uint32_t>("0") == 0U);
  CHECK(parse_number<uint32_t>("4294967295") == 4294967295U);
  CHECK(parse_number<int>("-20") == -20);
  CHECK(parse_number<int64_t>("-9223372036854775808") == INT64_MIN);
  CHECK(parse_number<uint64_t>("18446744073709551615") == UINT64_MAX);
  CHECK(parse_number<double>("-6.5") == -6.5);
  CHECK(parse_number<double>("1e3") == 1000.0);
}

TEST_CASE("parse_number refuses partial, signed-unsigned, out-of-range and empty text", "[parse_number]") {
  CHECK_FALSE(parse_number<uint32_t>(""));
  CHECK_FALSE(parse_number<uint32_t>("12x"));
  CHECK_FALSE(parse_number<uint32_t>(" 12"));
  CHECK_FALSE(parse_number<uint32_t>("12 "));
  CHECK_FALSE(parse_number<uint32_t>("+12"));
  CHECK_FALSE(parse_number<uint32_t>("-1"));
  CHECK_FALSE(parse_number<uint32_t>("4294967296"));
  CHECK_FALSE(parse_number<int>("0x10"));
  CHECK_FALSE(parse_number<int64_t>("9223372036854775808"));
  CHECK_FALSE(parse_number<double>("1.5dB"));
  CHECK_FALSE(parse_number<double>("inf"));
  CHECK_FALSE(parse_number<double>("nan"));
  CHECK_FALSE(parse_number<double>("1e999"));
  // A view into a longer string ends where the view does.
  const std::string_view text = "640x480";
  CHECK(parse_number<uint32_t>(text.substr(0, 3)) == 640U);
  CHECK(parse_number<uint32_t>(text.substr(4)) == 480U);
}

TEST_CASE("durations: seconds by default, s m h units, parts added up, nothing else", "[parse]") {
  CHECK(zc::parse_duration_s("5") == 5.0);
  CHECK(zc::parse_duration_s("2.5") == 2.5);
  CHECK(zc::parse_duration_s("10s") == 10.0);
  CHECK(zc::parse_duration_s("2m") == 120.0);
  CHECK(zc::parse_duration_s("1h30m") == 5400.0);
  CHECK(zc::parse_duration_s("1m0.5s") == 60.5);
  CHECK(zc::parse_duration_s("0") == 0.0);  // the caller refuses it
  for (const char* bad : {"", "-1", "s", "5x", "1m30", "5 s", "1.2.3", "+5", "5sec", "m5"}) {
    INFO(bad);
    CHECK_FALSE(zc::parse_duration_s(bad));
  }
}
