// Every counter of the table reaches what a person and a program read: the status line, the
// summary and the Prometheus metrics (the D-Bus Counters property: integration_service_dbus).
// Each is rendered from a snapshot, then from the same snapshot with one counter moved: the text
// must change, so a counter that one of them forgot fails here.
#include <catch2/catch.hpp>

#include "cli/status.hpp"
#include "service/metrics.hpp"
#include "session/counters.hpp"

using zc::session::Counter;
using zc::session::kCounterTable;
using zc::session::Snapshot;

namespace {

Snapshot base() {
  Snapshot s;
  s.encoder = "libx264";
  s.import_path = "cpu";
  s.source = "test source";
  s.elapsed_s = 10;
  s.encoded_span_s = 10;
  s.width = 1280;
  s.height = 720;
  uint64_t v = 10;
  for (const auto& row : kCounterTable)
    s.counters[row.counter] = v++;
  return s;
}

// The status line after a second with `s` at its end (rates from the counters' change), on a
// terminal `width` columns wide (wide enough for every counter by default).
std::string status_of(const Snapshot& s, size_t width = 1000, std::optional<double> duration_s = std::nullopt) {
  zc::cli::RateTracker rates;
  Snapshot before = base();
  for (const auto& row : kCounterTable)
    before.counters[row.counter] = 0;
  rates.update(before, 1'000'000'000);
  return zc::cli::status_line(s, rates.update(s, 2'000'000'000), duration_s, width);
}

std::string metrics_of(const Snapshot& s) {
  zc::service::MetricsSnapshot m;
  zc::service::MetricsCapture c;
  c.id = 1;
  c.source = "test";
  c.view.counters = s.counters;
  m.captures.push_back(c);
  return zc::service::render_metrics(m, "0");
}

}  // namespace

TEST_CASE("every counter reaches the status line, the summary and the metrics", "[counters]") {
  const Snapshot s = base();
  const zc::session::Outcome outcome{std::nullopt, "duration reached"};
  const std::string status = status_of(s), summary = zc::cli::summary(s, outcome), metrics = metrics_of(s);
  for (const auto& row : kCounterTable) {
    INFO(row.key);
    Snapshot moved = s;
    moved.counters[row.counter] += 1000;
    CHECK(status_of(moved) != status);
    CHECK(zc::cli::summary(moved, outcome) != summary);
    CHECK(metrics_of(moved) != metrics);
    // The metric carries the value itself, under the table's name (and reason).
    const std::string reason = row.reason.empty() ? "" : ",reason=\"" + std::string(row.reason) + "\"";
    const std::string sample = std::string(row.metric) +
                               "{capture=\"1\",source=\"test\",encoder=\"\",import_path=\"\"" + reason + "} " +
                               std::to_string(moved.counters[row.counter]) + "\n";
    CHECK(metrics_of(moved).find(sample) != std::string::npos);
  }
}

TEST_CASE("the status line shows a counter as a total once it is not 0", "[counters]") {
  Snapshot s = base();
  for (const auto& row : kCounterTable)
    s.counters[row.counter] = 0;
  s.counters[Counter::frames_missed] = 3;
  const std::string line = status_of(s);
  CHECK(line.find("  missed 3") != std::string::npos);
  CHECK(line.find("repeated") == std::string::npos);
  CHECK(line.find("dropped 0") != std::string::npos);
}

TEST_CASE("the status line fits an 80-column terminal, with the time left when there is a duration", "[counters]") {
  Snapshot s = base();  // every counter not 0
  for (const char* name : {"output", "input", "app:firefox"}) {
    zc::session::AudioInputStats a;
    a.name = name;
    a.state = "capturing";
    a.peak_dbfs = -23;
    s.audio.push_back(a);
  }
  const std::string line = status_of(s, 80, 60.0);
  INFO(line);
  CHECK(line.size() <= 79);
  CHECK(line.rfind("00:10  ", 0) == 0);
  CHECK(line.find("00:50 left") != std::string::npos);
  CHECK(line.find("dropped ") != std::string::npos);
  CHECK(line.find(" MB") != std::string::npos);
  CHECK(line.find("kbit/s") != std::string::npos);
  CHECK(line.find("output -23 dB") != std::string::npos);  // the first sound source fits
  CHECK(status_of(s, 40, 60.0).size() >= 40);              // the essentials are never cut
  CHECK(status_of(s, 1000).find("left") == std::string::npos);
}
