#include "service/metrics.hpp"

#include <httplib.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "core/log.hpp"

#include "core/parse_number.hpp"
#include "core/thread_name.hpp"

namespace zc::service {
namespace {

// Label values escape backslash, double quote and newline.
std::string escape(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
  }
  template <class T>
  void sample(std::string_view name, const std::string& labels, T value) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string labels_of(const MetricsCapture& c) {
  return "capture=\"" + std::to_string(c.id) + "\",source=\"" + escape(c.source) + "\",encoder=\"" +
         escape(c.view.encoder) + "\",import_path=\"" + escape(c.view.import_path) + "\"";
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s, const std::string& version) {
  Writer w;
  w.family("zerocast_info", "gauge", "Build information.");
  w.sample("zerocast_info", "version=\"" + escape(version) + "\"", 1);
  w.family("zerocast_captures", "gauge", "Captures running now.");
  w.sample("zerocast_captures", "", s.captures.size());
  w.family("zerocast_captures_started_total", "counter", "Captures started since the daemon started.");
  w.sample("zerocast_captures_started_total", "", s.captures_started);
  w.family("zerocast_captures_failed_total", "counter", "Captures that could not start.");
  w.sample("zerocast_captures_failed_total", "", s.captures_failed);
  w.family("zerocast_config_reloads_total", "counter", "Configuration reloads (SIGHUP, ReloadConfig).");
  w.sample("zerocast_config_reloads_total", "", s.config_reloads);
  w.family("zerocast_config_errors_total", "counter", "Reloads refused because the file was invalid.");
  w.sample("zerocast_config_errors_total", "", s.config_errors);

  // Every counter of the table: one family per metric name, one sample per capture (and reason).
  for (size_t i = 0; i < session::kCounterCount; ++i) {
    const auto& row = session::kCounterTable[i];
    if (i == 0 || session::kCounterTable[i - 1].metric != row.metric) w.family(row.metric, "counter", row.help);
    for (const auto& c : s.captures) {
      const std::string reason = row.reason.empty() ? "" : ",reason=\"" + std::string(row.reason) + "\"";
      w.sample(row.metric, labels_of(c) + reason, c.view.counters[row.counter]);
    }
  }
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    std::function<void(Writer&, const char*, const MetricsCapture&, const std::string&)> emit;
  };
  auto value = [](auto get) {
    return [get](Writer& w, const char* name, const MetricsCapture& c, const std::string& labels) {
      w.sample(name, labels, get(c.view));
    };
  };
  const Family families[] = {
      {"zerocast_fps_in", "gauge", "Frames per second arriving (about the last second).",
       value([](const CaptureView& v) { return v.fps_in; })},
      {"zerocast_fps_out", "gauge", "Frames per second encoded (about the last second).",
       value([](const CaptureView& v) { return v.fps_out; })},
      {"zerocast_queue_depth", "gauge", "Frames waiting for the encoder.",
       value([](const CaptureView& v) { return v.queue_depth; })},
      {"zerocast_capture_cpu_seconds_per_frame", "gauge",
       "CPU time per frame on the capture thread (buffer validation and import).",
       value([](const CaptureView& v) { return v.cpu_ms_per_frame / 1000.0; })},
      {"zerocast_capture_gpu_seconds_per_frame", "gauge",
       "GPU time per frame of the zero-copy import (conversion pass and copies); absent on the CPU path.",
       [](Writer& w, const char* name, const MetricsCapture& c, const std::string& labels) {
         if (c.view.gpu_ms_per_frame >= 0) w.sample(name, labels, c.view.gpu_ms_per_frame / 1000.0);
       }},
      {"zerocast_output_bytes_total", "counter", "Encoded bytes written to the outputs (all of them).",
       value([](const CaptureView& v) { return v.output_bytes; })},
      {"zerocast_replay_bytes", "gauge", "Bytes held by the replay buffer.",
       value([](const CaptureView& v) { return v.replay_bytes; })},
      {"zerocast_replay_seconds", "gauge", "Seconds of video held by the replay buffer.",
       value([](const CaptureView& v) { return v.replay_seconds; })},
      {"zerocast_bitrate_target_kbps", "gauge", "Target bitrate (0: the tuning's default).",
       value([](const CaptureView& v) { return v.bitrate_kbps; })},
      {"zerocast_paused", "gauge", "1 while the capture is paused (nothing encoded), else 0.",
       value([](const CaptureView& v) { return v.paused ? 1 : 0; })},
      {"zerocast_paused_seconds_total", "counter", "Paused time, left out of the recording.",
       value([](const CaptureView& v) { return v.paused_s; })},
  };
  for (const auto& f : families) {
    w.family(f.name, f.type, f.help);
    for (const auto& c : s.captures)
      f.emit(w, f.name, c, labels_of(c));
  }
  // Per audio source, labelled audio_source with its name as asked for ("output", "node:57").
  using Audio = session::AudioInputStats;
  struct AudioFamily {
    const char* name;
    const char* type;
    const char* help;
    double (*get)(const Audio&);
  };
  const AudioFamily audio_families[] = {
      {"zerocast_audio_samples_total", "counter", "Samples (per channel) put into the track, silence included.",
       [](const Audio& a) { return static_cast<double>(a.clock.samples_out); }},
      {"zerocast_audio_gaps_total", "counter", "Holes in the source filled with silence.",
       [](const Audio& a) { return static_cast<double>(a.clock.gaps_filled); }},
      {"zerocast_audio_trimmed_samples_total", "counter", "Samples dropped as overlapping what the track had.",
       [](const Audio& a) { return static_cast<double>(a.clock.samples_trimmed); }},
      {"zerocast_audio_drift_ppm", "gauge", "The source's sample clock against the video's (+: fast).",
       [](const Audio& a) { return a.clock.drift_ppm; }},
      {"zerocast_audio_av_offset_seconds", "gauge",
       "A/V offset estimate: where the source's last block belonged against where the track put it.",
       [](const Audio& a) { return a.clock.phase_error_ms / 1000.0; }},
      {"zerocast_audio_peak_dbfs", "gauge", "Peak level over the last second (dBFS).",
       [](const Audio& a) { return a.peak_dbfs; }},
      {"zerocast_audio_muted", "gauge", "1 while the source is muted.",
       [](const Audio& a) { return a.muted ? 1.0 : 0.0; }},
  };
  for (const auto& f : audio_families) {
    w.family(f.name, f.type, f.help);
    for (const auto& c : s.captures) {
      for (const auto& a : c.view.audio)
        w.sample(f.name, labels_of(c) + ",audio_source=\"" + escape(a.name) + "\"", f.get(a));
    }
  }
  w.family("zerocast_capture_state", "gauge", "1 for the state each capture is in.");
  for (const auto& c : s.captures)
    w.sample("zerocast_capture_state",
             "capture=\"" + std::to_string(c.id) + "\",state=\"" + escape(std::string(to_string(c.view.state))) + "\"",
             1);
  return w.text();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address,
                                                            const std::function<std::string()>& render) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return fail(Errc::invalid_argument, "metrics", "'" + address + "' is not HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto parsed = parse_number<int>(std::string_view(address).substr(colon + 1));
  if (!parsed || *parsed < 0 || *parsed > 65535) {
    return fail(Errc::invalid_argument, "metrics", "'" + address + "' is not HOST:PORT");
  }
  const int port = *parsed;
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->server_ = std::make_unique<httplib::Server>();
  // httplib's default adds SO_REUSEPORT, which lets a second daemon share the port silently
  // (each scrape would hit either one): only SO_REUSEADDR, so a taken port is an error.
  s->server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s->server_->Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s->server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("zerocast: metrics at /metrics\n", "text/plain");
  });
  if (port == 0) {
    s->port_ = s->server_->bind_to_any_port(host);
    if (s->port_ < 0) return fail(Errc::io, "metrics", "cannot listen on " + address);
  } else if (!s->server_->bind_to_port(host, port)) {
    return fail(Errc::io, "metrics", "cannot listen on " + address + " (in use, or not an address of this machine)");
  } else {
    s->port_ = port;
  }
  s->thread_ = std::thread([server = s->server_.get()] {
    name_this_thread("zc-metrics");
    server->listen_after_bind();
  });
  // httplib's stop() does nothing until the listening thread has marked itself running: a
  // server stopped before that would accept forever and its destructor would never join.
  for (int i = 0; i < 2000 && !s->server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  zc::log::info("metrics: serving http://{}:{}/metrics", host, s->port_);
  return s;
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zc::service
