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

// The status line after a second with `s` at its end (rates from the counters' change).
std::string status_of(const Snapshot& s) {
  zc::cli::RateTracker rates;
  Snapshot before = base();
  for (const auto& row : kCounterTable)
    before.counters[row.counter] = 0;
  rates.update(before, 1'000'000'000);
  return zc::cli::status_line(s, rates.update(s, 2'000'000'000));
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
