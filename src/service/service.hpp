#pragma once
// The D-Bus face of the daemon (data/io.github.zerocast.Zerocast1.xml): the manager object and
// one object per capture, on sd-bus. Everything here runs on the event loop's thread; captures
// do their work on their own threads and report back through the loop poster, so no method
// call ever waits on a pipeline (replies to StartCapture, Stop, SaveReplay and SetBitrate are
// sent once the capture has done the work) or on PipeWire (ListSources: a thread of its own).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/bus_names.hpp"
#include "service/capture_supervisor.hpp"
#include "service/loop_poster.hpp"
#include "service/notifier.hpp"
#include "settings/capture_options.hpp"
#include "settings/settings.hpp"

namespace zc::service {

// What the metrics endpoint shows; published by the service, read from the metrics thread.
struct MetricsCapture {
  uint32_t id = 0;
  std::string source;
  CaptureView view;
};
struct MetricsSnapshot {
  std::vector<MetricsCapture> captures;
  uint64_t captures_started = 0;
  uint64_t captures_failed = 0;
  uint64_t config_reloads = 0;
  uint64_t config_errors = 0;
};

struct ServiceOptions {
  std::string version;
  // Loads the configuration again (file + environment + command line); for ReloadConfig/SIGHUP.
  std::function<Result<settings::Settings>()> load_config;
  // Where SaveReplay writes when given no path, for a configuration (its replay directory, else the
  // user's videos directory).
  std::function<std::string(const settings::Settings&)> replay_directory;
  // The state changed (a capture came, went or changed state): the daemon updates STATUS=.
  std::function<void()> on_status_change;
  // A reload took a new configuration (after the Service's own part): the shortcuts rebind.
  std::function<void(const settings::Settings&)> on_config_reloaded;
  session::PipelineHooks hooks;  // passed to every capture (tests)
};

class Service final : public CaptureHost {
 public:
  Service(sd_bus* bus, LoopPoster& poster, settings::Settings config, ServiceOptions options);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Registers the manager object. Errors: sd-bus refused the vtable.
  Result<void> register_manager();

  // ReloadConfig and SIGHUP: on failure the last good config stays, ConfigError is set and the
  // Error signal says why.
  Result<void> reload_config();
  const settings::Settings& config() const { return config_; }

  // SIGTERM: every capture is asked to stop (files are finished); idle() once all are gone.
  void stop_all();
  bool idle() const { return entries_.empty(); }

  // Once a second: PropertiesChanged for counters that moved, and the metrics snapshot.
  void tick();
  // "2 captures: 1 capturing, 2 reconnecting" for sd_notify's STATUS=.
  std::string status_text() const;
  MetricsSnapshot metrics() const;  // thread-safe

  // CaptureHost
  void capture_started(uint32_t id, Result<void> result) override;
  void capture_events(uint32_t id) override;
  void capture_finished(uint32_t id) override;

 private:
  struct Entry;
  using MessageRef = std::shared_ptr<sd_bus_message>;

  static int method_start(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_reload(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_list_sources(sd_bus_message* m, void* userdata, sd_bus_error* error);
  void answer_listing(const Result<std::string>& json);
  static int get_captures(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                          sd_bus_error*);
  static int get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                         sd_bus_error*);
  static int get_config_error(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                              sd_bus_error*);

  static int method_stop(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_save_replay(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_keyframe(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_bitrate(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_pause(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int method_audio_mute(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int get_capture_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                                  void* userdata, sd_bus_error*);

  static const sd_bus_vtable* manager_vtable();
  static const sd_bus_vtable* capture_vtable();

  Entry* find(uint32_t id);
  void emit_manager_changed(const char* property);
  void emit_manager_error(const std::string& message);
  void drain_events(Entry& entry);
  void emit_capture_changes(Entry& entry, bool counters);
  void publish_metrics();
  void status_changed();

  sd_bus* bus_;
  LoopPoster& poster_;
  settings::Settings config_;
  ServiceOptions options_;
  std::string config_error_;
  Notifier notifier_;  // daemon.notifications
  SlotPtr manager_slot_;
  std::map<uint32_t, std::unique_ptr<Entry>> entries_;
  uint32_t next_id_ = 1;
  uint64_t started_ = 0, failed_ = 0, reloads_ = 0, config_errors_ = 0;

  // ListSources: one listing at a time on `lister_`; calls that come while it runs wait for its
  // answer. Both loop-thread only (the thread posts its answer back).
  std::vector<MessageRef> listing_calls_;
  std::thread lister_;

  mutable std::mutex metrics_mutex_;
  MetricsSnapshot metrics_;
};

}  // namespace zc::service
