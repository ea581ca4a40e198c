// StartCapture's a{sv} (settings/capture_options.cpp) as the D-Bus layer hands it over: option
// names (the known ones and any other) with values of every type read_option_value makes (s/o,
// as, signed, unsigned, d, b), onto the daemon's defaults. Each entry of the input: a name (an
// index into the option list, or a string), a type tag, a value.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "settings/capture_options.hpp"

namespace {

zc::settings::OptionValue value_of(zc::fuzz::FuzzInput& in) {
  switch (in.take<uint8_t>() % 6) {
    case 0:
      return in.text();
    case 1: {
      std::vector<std::string> items(in.in_range<size_t>(0, 4));
      for (auto& item : items)
        item = in.text();
      return items;
    }
    case 2:
      return in.take<int64_t>();
    case 3:
      return in.take<uint64_t>();
    case 4:
      return in.take<double>();
    default:
      return in.flag();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<zc::settings::OptionInfo> known = zc::settings::capture_option_list();
  static const zc::settings::Settings config = zc::settings::defaults(zc::settings::Command::daemon);
  zc::fuzz::FuzzInput in(data, size);
  zc::settings::OptionMap options;
  while (!in.empty() && options.size() < 32) {
    const uint8_t pick = in.take<uint8_t>();
    std::string name = pick < known.size() ? known[pick].name : in.text();
    options[std::move(name)] = value_of(in);
  }
  (void)zc::settings::capture_spec(config, options);
  return 0;
}
