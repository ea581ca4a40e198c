#include "service/service.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/allocator.hpp"
#include "core/log.hpp"
#include "service/source_list.hpp"

namespace zc::service {
namespace {

using session::Counter;

using MessageRef = std::shared_ptr<sd_bus_message>;

MessageRef keep(sd_bus_message* m) {
  return MessageRef(sd_bus_message_ref(m), sd_bus_message_unref);
}

int reply_error(sd_bus_message* m, const Error& e) {
  return sd_bus_reply_method_errorf(m, bus_error_name(e), "%s", log::scrub(e.describe()).c_str());
}

int set_error(sd_bus_error* error, const char* name, const std::string& message) {
  return sd_bus_error_set(error, name, log::scrub(message).c_str());
}

int set_error(sd_bus_error* error, const Error& e) {
  return set_error(error, bus_error_name(e), e.describe());
}

int append_strings(sd_bus_message* reply, const std::vector<std::string>& items) {
  std::vector<char*> list;
  list.reserve(items.size() + 1);
  for (const auto& s : items)
    list.push_back(const_cast<char*>(s.c_str()));
  list.push_back(nullptr);
  return sd_bus_message_append_strv(reply, list.data());
}

// One a{sv} entry's value: the D-Bus types a client is likely to send, mapped to settings::OptionValue.
int read_option_value(sd_bus_message* m, const std::string& name, settings::OptionValue& out, sd_bus_error* error) {
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, nullptr, &contents);
  if (r < 0) return r;
  const std::string sig = contents ? contents : "";
  if ((r = sd_bus_message_enter_container(m, 'v', contents)) < 0) return r;
  if (sig == "s" || sig == "o") {
    const char* s = nullptr;
    if ((r = sd_bus_message_read_basic(m, sig[0], &s)) < 0) return r;
    out = std::string(s ? s : "");
  } else if (sig == "as") {
    char** strv = nullptr;
    if ((r = sd_bus_message_read_strv(m, &strv)) < 0) return r;
    std::vector<std::string> v;
    for (char** p = strv; p && *p; ++p) {
      v.emplace_back(*p);
      free(*p);
    }
    free(strv);
    out = std::move(v);
  } else if (sig == "y") {
    uint8_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'y', &x)) < 0) return r;
    out = uint64_t{x};
  } else if (sig == "q") {
    uint16_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'q', &x)) < 0) return r;
    out = uint64_t{x};
  } else if (sig == "u") {
    uint32_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'u', &x)) < 0) return r;
    out = uint64_t{x};
  } else if (sig == "t") {
    uint64_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 't', &x)) < 0) return r;
    out = x;
  } else if (sig == "n") {
    int16_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'n', &x)) < 0) return r;
    out = int64_t{x};
  } else if (sig == "i") {
    int32_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'i', &x)) < 0) return r;
    out = int64_t{x};
  } else if (sig == "x") {
    int64_t x = 0;
    if ((r = sd_bus_message_read_basic(m, 'x', &x)) < 0) return r;
    out = x;
  } else if (sig == "d") {
    double x = 0;
    if ((r = sd_bus_message_read_basic(m, 'd', &x)) < 0) return r;
    out = x;
  } else if (sig == "b") {
    int x = 0;
    if ((r = sd_bus_message_read_basic(m, 'b', &x)) < 0) return r;
    out = x != 0;
  } else {
    return set_error(error, bus_error::kInvalidArgument,
                     "option '" + name + "' has the D-Bus type '" + sig + "', which no option takes");
  }
  return sd_bus_message_exit_container(m);
}

int append_audio(sd_bus_message* reply, const std::vector<session::AudioInputStats>& sources) {
  int r = sd_bus_message_open_container(reply, 'a', "(ssbdddt)");
  for (const auto& a : sources) {
    if (r >= 0) {
      r = sd_bus_message_append(reply, "(ssbdddt)", a.name.c_str(), a.state.c_str(), static_cast<int>(a.muted),
                                a.volume_db, a.peak_dbfs, a.clock.drift_ppm, a.clock.gaps_filled);
    }
  }
  return r < 0 ? r : sd_bus_message_close_container(reply);
}

int append_counters(sd_bus_message* reply, const zc::session::Counters& counters) {
  int r = sd_bus_message_open_container(reply, 'a', "{st}");
  for (const auto& row : session::kCounterTable) {
    const std::string key(row.key);
    if (r >= 0) r = sd_bus_message_append(reply, "{st}", key.c_str(), counters[row.counter]);
  }
  return r < 0 ? r : sd_bus_message_close_container(reply);
}

bool audio_changed(const std::vector<session::AudioInputStats>& a, const std::vector<session::AudioInputStats>& b) {
  if (a.size() != b.size()) return true;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].state != b[i].state || a[i].muted != b[i].muted || a[i].peak_dbfs != b[i].peak_dbfs ||
        a[i].clock.drift_ppm != b[i].clock.drift_ppm || a[i].clock.gaps_filled != b[i].clock.gaps_filled) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* bus_error_name(const Error& e) {
  if (e.stage == "replay" && e.code == Errc::not_found) return bus_error::kNoReplay;
  switch (e.code) {
    case Errc::invalid_argument:
      return bus_error::kInvalidArgument;
    case Errc::unsupported:
      return bus_error::kUnsupported;
    case Errc::not_found:
      return bus_error::kNotFound;
    case Errc::io:
      return bus_error::kIO;
    case Errc::pipewire:
      return bus_error::kPipeWire;
    case Errc::encoder:
      return bus_error::kEncoder;
    case Errc::timeout:
      return bus_error::kTimeout;
    case Errc::cancelled:
      return bus_error::kCancelled;
    default:
      return bus_error::kFailed;
  }
}

struct Service::Entry {
  Service* service = nullptr;
  uint32_t id = 0;
  std::string path;
  std::unique_ptr<CaptureSupervisor> capture;
  SlotPtr slot;
  bool registered = false;
  MessageRef start_call;
  std::vector<MessageRef> stop_calls;
  CaptureView emitted;     // what PropertiesChanged last said
  std::string last_error;  // the last Error signal's text: what a failure notification says
};

Service::Service(sd_bus* bus, LoopPoster& poster, settings::Settings config, ServiceOptions options)
    : bus_(bus),
      poster_(poster),
      config_(std::move(config)),
      options_(std::move(options)),
      notifier_(bus, config_.daemon.notifications) {}

Service::~Service() {
  // A listing still waiting on PipeWire (at most list_nodes' timeout): its answer is posted to a
  // loop that no longer runs, and its callers' messages go with listing_calls_.
  if (lister_.joinable()) lister_.join();
  // Captures are stopped (and their threads joined) before the bus objects go.
  entries_.clear();
}

// ---- manager -----------------------------------------------------------------------------

const sd_bus_vtable* Service::manager_vtable() {
  static const sd_bus_vtable vtable[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD_WITH_NAMES("StartCapture", "a{sv}", SD_BUS_PARAM(options), "o", SD_BUS_PARAM(capture),
                               &Service::method_start, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD("ReloadConfig", "", "", &Service::method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD_WITH_NAMES("ListSources", "", , "s", SD_BUS_PARAM(sources), &Service::method_list_sources,
                               SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_PROPERTY("Captures", "ao", &Service::get_captures, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
      SD_BUS_PROPERTY("Version", "s", &Service::get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_PROPERTY("ConfigError", "s", &Service::get_config_error, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
      SD_BUS_SIGNAL_WITH_NAMES("CaptureAdded", "o", SD_BUS_PARAM(capture), 0),
      SD_BUS_SIGNAL_WITH_NAMES("CaptureRemoved", "o", SD_BUS_PARAM(capture), 0),
      SD_BUS_SIGNAL_WITH_NAMES("Error", "s", SD_BUS_PARAM(message), 0),
      SD_BUS_VTABLE_END,
  };
  return vtable;
}

Result<void> Service::register_manager() {
  sd_bus_slot* slot = nullptr;
  if (int r = sd_bus_add_object_vtable(bus_, &slot, kManagerPath, kManagerInterface, manager_vtable(), this); r < 0) {
    return fail(Errc::internal, "dbus", std::string("cannot register the manager object: ") + std::strerror(-r));
  }
  manager_slot_.reset(slot);
  publish_metrics();
  return {};
}

int Service::method_start(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<Service*>(userdata);
  settings::OptionMap options;
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
    const std::string name = key ? key : "";
    if (options.count(name)) return set_error(error, bus_error::kInvalidArgument, "option '" + name + "' given twice");
    settings::OptionValue value;
    if ((r = read_option_value(m, name, value, error)) < 0) return r;
    options.emplace(name, std::move(value));
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;

  if (self->entries_.size() >= self->config_.daemon.max_captures) {
    return set_error(error, bus_error::kTooManyCaptures,
                     std::to_string(self->entries_.size()) + " captures are running; the limit is " +
                         std::to_string(self->config_.daemon.max_captures) + " (daemon.max_captures)");
  }
  auto spec = settings::capture_spec(self->config_, options, self->next_id_);
  if (!spec) return set_error(error, spec.error());
  if (auto claimed = session::claim_outputs(spec->record); !claimed) return set_error(error, claimed.error());

  auto entry = std::make_unique<Entry>();
  entry->service = self;
  entry->id = self->next_id_++;
  CaptureSettings settings;
  const settings::Daemon& daemon = self->config_.daemon;
  settings.reconnect_seconds = daemon.reconnect_seconds;
  settings.reconnect_min = std::chrono::milliseconds(daemon.reconnect_min_ms);
  settings.network = settings::reconnect_options(daemon);
  settings.replay_directory =
      self->options_.replay_directory ? self->options_.replay_directory(self->config_) : daemon.replay_directory;
  settings.hooks = self->options_.hooks;
  entry->capture =
      std::make_unique<CaptureSupervisor>(entry->id, std::move(*spec), std::move(settings), self->poster_, *self);
  entry->path = entry->capture->path();
  entry->start_call = keep(m);
  CaptureSupervisor& capture = *entry->capture;
  zc::log::info("daemon: starting capture {} ({})", entry->id, capture.source());
  self->entries_.emplace(entry->id, std::move(entry));
  capture.start();
  return 1;  // the reply follows once the capture has started (capture_started)
}

int Service::method_reload(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<Service*>(userdata);
  if (auto ok = self->reload_config(); !ok) return set_error(error, bus_error::kConfig, ok.error().describe());
  return sd_bus_reply_method_return(m, "");
}

int Service::method_list_sources(sd_bus_message* m, void* userdata, sd_bus_error*) {
  // One short-lived PipeWire connection (a registry round trip, as `zerocast sources`), off the
  // loop thread: a PipeWire that does not answer holds the caller up to list_nodes' timeout, not
  // every other call on the bus.
  auto* self = static_cast<Service*>(userdata);
  self->listing_calls_.push_back(keep(m));
  if (self->listing_calls_.size() > 1) return 1;       // the listing under way answers it too
  if (self->lister_.joinable()) self->lister_.join();  // the last one has posted its answer: ending
  self->lister_ = std::thread([self] {
    auto nodes = capture::list_nodes();
    Result<std::string> json = nodes ? Result<std::string>(sources_json(list_sources(*nodes)))
                                     : Result<std::string>(tl::unexpected(nodes.error()));
    self->poster_.post([self, json = std::move(json)] { self->answer_listing(json); });
  });
  return 1;
}

void Service::answer_listing(const Result<std::string>& json) {
  for (const MessageRef& call : std::exchange(listing_calls_, {})) {
    if (json) {
      sd_bus_reply_method_return(call.get(), "s", json->c_str());
    } else {
      reply_error(call.get(), json.error());
    }
  }
}

int Service::get_captures(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                          sd_bus_error*) {
  auto* self = static_cast<Service*>(userdata);
  int r = sd_bus_message_open_container(reply, 'a', "o");
  if (r < 0) return r;
  for (const auto& [id, e] : self->entries_) {
    if (!e->registered) continue;
    if ((r = sd_bus_message_append(reply, "o", e->path.c_str())) < 0) return r;
  }
  return sd_bus_message_close_container(reply);
}

int Service::get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                         sd_bus_error*) {
  return sd_bus_message_append(reply, "s", static_cast<Service*>(userdata)->options_.version.c_str());
}

int Service::get_config_error(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                              sd_bus_error*) {
  return sd_bus_message_append(reply, "s", static_cast<Service*>(userdata)->config_error_.c_str());
}

void Service::emit_manager_changed(const char* property) {
  sd_bus_emit_properties_changed(bus_, kManagerPath, kManagerInterface, property, nullptr);
}

void Service::emit_manager_error(const std::string& message) {
  sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "Error", "s", log::scrub(message).c_str());
}

Result<void> Service::reload_config() {
  ++reloads_;
  auto loaded = options_.load_config ? options_.load_config() : Result<settings::Settings>(config_);
  if (!loaded) {
    ++config_errors_;
    const std::string message = loaded.error().describe();
    zc::log::error("daemon: {}; keeping the last good configuration", message);
    if (config_error_ != message) {
      config_error_ = message;
      emit_manager_changed("ConfigError");
    }
    emit_manager_error(message);
    publish_metrics();
    return tl::unexpected(loaded.error());
  }
  if (loaded->daemon.metrics != config_.daemon.metrics) {
    zc::log::warn("daemon: daemon.metrics changed; it takes effect when the daemon restarts");
  }
  config_ = std::move(*loaded);
  notifier_.set_enabled(config_.daemon.notifications);
  zc::log::info("daemon: configuration reloaded (applies to captures started from now on)");
  if (!config_error_.empty()) {
    config_error_.clear();
    emit_manager_changed("ConfigError");
  }
  publish_metrics();
  if (options_.on_config_reloaded) options_.on_config_reloaded(config_);
  return {};
}

void Service::stop_all() {
  for (auto& [id, e] : entries_)
    e->capture->stop();
}

// ---- captures ----------------------------------------------------------------------------

const sd_bus_vtable* Service::capture_vtable() {
  constexpr uint64_t kChange = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
  static const sd_bus_vtable vtable[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("Stop", "", "", &Service::method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD_WITH_NAMES("SaveReplay", "su", SD_BUS_PARAM(path) SD_BUS_PARAM(seconds), "sd",
                               SD_BUS_PARAM(file) SD_BUS_PARAM(saved_seconds), &Service::method_save_replay,
                               SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD("RequestKeyframe", "", "", &Service::method_keyframe, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD_WITH_NAMES("SetBitrate", "u", SD_BUS_PARAM(kbps), "", , &Service::method_bitrate,
                               SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD_WITH_NAMES("Pause", "", , "b", SD_BUS_PARAM(changed), &Service::method_pause,
                               SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD_WITH_NAMES("Resume", "", , "b", SD_BUS_PARAM(changed), &Service::method_pause,
                               SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_PROPERTY("Paused", "b", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("PausedSeconds", "d", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("State", "s", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("Source", "s", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("Encoder", "s", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("ImportPath", "s", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("FpsIn", "d", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("FpsOut", "d", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("FramesCaptured", "t", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("FramesEncoded", "t", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("FramesDropped", "t", &Service::get_capture_property, 0, kChange),
      // Every counter of the capture by its key (session/counters.hpp): frames_captured,
      // dropped_queue, audio_packets, capture_restarts, ...
      SD_BUS_PROPERTY("Counters", "a{st}", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("Bitrate", "u", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("ReplaySeconds", "d", &Service::get_capture_property, 0, kChange),
      SD_BUS_PROPERTY("Outputs", "as", &Service::get_capture_property, 0, kChange),
      SD_BUS_METHOD_WITH_NAMES("SetAudioMute", "sb", SD_BUS_PARAM(source) SD_BUS_PARAM(mute), "", ,
                               &Service::method_audio_mute, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_PROPERTY("AudioCodec", "s", &Service::get_capture_property, 0, kChange),
      // Per source: name, state, muted, volume dB, peak dBFS over the last second, drift ppm
      // against the video's clock, holes filled with silence. Announced at most once a second.
      SD_BUS_PROPERTY("AudioSources", "a(ssbdddt)", &Service::get_capture_property, 0, kChange),
      SD_BUS_SIGNAL_WITH_NAMES("StateChanged", "s", SD_BUS_PARAM(state), 0),
      SD_BUS_SIGNAL_WITH_NAMES("ReplaySaved", "sd", SD_BUS_PARAM(path) SD_BUS_PARAM(seconds), 0),
      SD_BUS_SIGNAL_WITH_NAMES("Error", "s", SD_BUS_PARAM(message), 0),
      SD_BUS_VTABLE_END,
  };
  return vtable;
}

Service::Entry* Service::find(uint32_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

int Service::method_stop(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* e = static_cast<Entry*>(userdata);
  e->stop_calls.push_back(keep(m));
  e->capture->stop();
  return 1;  // replied once the outputs are finished (capture_finished)
}

int Service::method_save_replay(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* e = static_cast<Entry*>(userdata);
  const char* path = nullptr;
  uint32_t seconds = 0;
  int r = sd_bus_message_read(m, "su", &path, &seconds);
  if (r < 0) return r;
  if (seconds > 3600) return set_error(error, bus_error::kInvalidArgument, "seconds must be at most 3600");
  Service* self = e->service;
  const std::string object = e->path;
  auto call = keep(m);
  auto ok = e->capture->save_replay(path ? path : "", seconds,
                                    [self, object, call](Result<std::pair<std::string, double>> saved) {
                                      if (!saved) {
                                        const std::string text = saved.error().describe();
                                        sd_bus_emit_signal(self->bus_, object.c_str(), kCaptureInterface, "Error", "s",
                                                           log::scrub("replay: " + text).c_str());
                                        reply_error(call.get(), saved.error());
                                        return;
                                      }
                                      sd_bus_emit_signal(self->bus_, object.c_str(), kCaptureInterface, "ReplaySaved",
                                                         "sd", saved->first.c_str(), saved->second);
                                      sd_bus_reply_method_return(call.get(), "sd", saved->first.c_str(), saved->second);
                                      self->notifier_.replay_saved(saved->first, saved->second);
                                    });
  if (!ok) return set_error(error, ok.error());
  return 1;  // replied once the file is written
}

int Service::method_keyframe(sd_bus_message* m, void* userdata, sd_bus_error*) {
  static_cast<Entry*>(userdata)->capture->request_keyframe();
  return sd_bus_reply_method_return(m, "");
}

int Service::method_bitrate(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* e = static_cast<Entry*>(userdata);
  uint32_t kbps = 0;
  int r = sd_bus_message_read(m, "u", &kbps);
  if (r < 0) return r;
  if (kbps == 0 || kbps > 500000) {
    return set_error(error, bus_error::kInvalidArgument, "kbps must be 1..500000 (kbit/s)");
  }
  auto call = keep(m);
  e->capture->set_bitrate(kbps, [call, self = e->service, id = e->id](Result<void> done) {
    if (!done) {
      reply_error(call.get(), done.error());
      return;
    }
    if (Entry* entry = self->find(id); entry && entry->registered) self->emit_capture_changes(*entry, false);
    sd_bus_reply_method_return(call.get(), "");
  });
  return 1;  // replied once the encoder has taken it
}

// Pause and Resume (one handler: the member says which). Answers whether the state changed; the
// Paused property follows at once.
int Service::method_pause(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* e = static_cast<Entry*>(userdata);
  const bool pause = std::string_view(sd_bus_message_get_member(m)) == "Pause";
  const bool changed = e->capture->set_paused(pause);
  e->service->emit_capture_changes(*e, false);
  return sd_bus_reply_method_return(m, "b", static_cast<int>(changed));
}

int Service::method_audio_mute(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* e = static_cast<Entry*>(userdata);
  const char* source = nullptr;
  int mute = 0;
  int r = sd_bus_message_read(m, "sb", &source, &mute);
  if (r < 0) return r;
  if (auto ok = e->capture->set_audio_mute(source ? source : "", mute != 0); !ok) return set_error(error, ok.error());
  e->service->emit_capture_changes(*e, true);
  return sd_bus_reply_method_return(m, "");
}

int Service::get_capture_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                                  void* userdata, sd_bus_error*) {
  const CaptureView v = static_cast<Entry*>(userdata)->capture->view();
  const std::string p = property;
  if (p == "State") return sd_bus_message_append(reply, "s", std::string(to_string(v.state)).c_str());
  if (p == "Source") return sd_bus_message_append(reply, "s", v.source.c_str());
  if (p == "Encoder") return sd_bus_message_append(reply, "s", v.encoder.c_str());
  if (p == "ImportPath") return sd_bus_message_append(reply, "s", v.import_path.c_str());
  if (p == "FpsIn") return sd_bus_message_append(reply, "d", v.fps_in);
  if (p == "FpsOut") return sd_bus_message_append(reply, "d", v.fps_out);
  if (p == "FramesCaptured") return sd_bus_message_append(reply, "t", v.counters[Counter::frames_captured]);
  if (p == "FramesEncoded") return sd_bus_message_append(reply, "t", v.counters[Counter::frames_encoded]);
  if (p == "FramesDropped") return sd_bus_message_append(reply, "t", v.counters.dropped());
  if (p == "Counters") return append_counters(reply, v.counters);
  if (p == "Bitrate") return sd_bus_message_append(reply, "u", v.bitrate_kbps);
  if (p == "ReplaySeconds") return sd_bus_message_append(reply, "d", v.replay_seconds);
  if (p == "Paused") return sd_bus_message_append(reply, "b", static_cast<int>(v.paused));
  if (p == "PausedSeconds") return sd_bus_message_append(reply, "d", v.paused_s);
  if (p == "Outputs") return append_strings(reply, v.outputs);
  if (p == "AudioCodec") return sd_bus_message_append(reply, "s", v.audio_codec.c_str());
  if (p == "AudioSources") return append_audio(reply, v.audio);
  return -ENOENT;
}

void Service::capture_started(uint32_t id, Result<void> result) {
  Entry* e = find(id);
  if (!e) return;
  MessageRef call = std::move(e->start_call);
  if (!result) {
    ++failed_;
    zc::log::error("daemon: capture {} could not start: {}", id, result.error().describe());
    if (call) reply_error(call.get(), result.error());
    notifier_.start_failed(id, result.error().describe());
    return;  // capture_finished follows and removes it
  }
  ++started_;
  sd_bus_slot* slot = nullptr;
  if (int r = sd_bus_add_object_vtable(bus_, &slot, e->path.c_str(), kCaptureInterface, capture_vtable(), e); r < 0) {
    zc::log::error("daemon: cannot register {}: {}", e->path, std::strerror(-r));
    if (call) sd_bus_reply_method_errorf(call.get(), bus_error::kFailed, "cannot register %s", e->path.c_str());
    e->capture->stop();
    return;
  }
  e->slot.reset(slot);
  e->registered = true;
  e->emitted = e->capture->view();
  if (call) sd_bus_reply_method_return(call.get(), "o", e->path.c_str());
  sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "CaptureAdded", "o", e->path.c_str());
  emit_manager_changed("Captures");
  drain_events(*e);
  status_changed();
}

void Service::capture_events(uint32_t id) {
  Entry* e = find(id);
  if (e && e->registered) drain_events(*e);
}

void Service::drain_events(Entry& e) {
  bool state_changed = false;
  for (const auto& ev : e.capture->take_events()) {
    const char* member = ev.kind == CaptureEvent::Kind::state ? "StateChanged" : "Error";
    sd_bus_emit_signal(bus_, e.path.c_str(), kCaptureInterface, member, "s", ev.text.c_str());
    if (ev.kind == CaptureEvent::Kind::error) e.last_error = ev.text;
    state_changed = state_changed || ev.kind == CaptureEvent::Kind::state;
  }
  emit_capture_changes(e, false);
  if (state_changed) status_changed();
}

void Service::emit_capture_changes(Entry& e, bool counters) {
  const CaptureView v = e.capture->view();
  CaptureView& was = e.emitted;
  std::vector<const char*> names;
  if (v.state != was.state) names.push_back("State");
  if (v.source != was.source) names.push_back("Source");
  if (v.encoder != was.encoder) names.push_back("Encoder");
  if (v.import_path != was.import_path) names.push_back("ImportPath");
  if (v.bitrate_kbps != was.bitrate_kbps) names.push_back("Bitrate");
  if (v.outputs != was.outputs) names.push_back("Outputs");
  if (v.paused != was.paused) names.push_back("Paused");
  if (counters) {
    if (v.fps_in != was.fps_in) names.push_back("FpsIn");
    if (v.fps_out != was.fps_out) names.push_back("FpsOut");
    if (v.counters[Counter::frames_captured] != was.counters[Counter::frames_captured]) {
      names.push_back("FramesCaptured");
    }
    if (v.counters[Counter::frames_encoded] != was.counters[Counter::frames_encoded]) {
      names.push_back("FramesEncoded");
    }
    if (v.counters.dropped() != was.counters.dropped()) names.push_back("FramesDropped");
    if (v.counters != was.counters) names.push_back("Counters");
    if (v.replay_seconds != was.replay_seconds) names.push_back("ReplaySeconds");
    if (v.paused_s != was.paused_s) names.push_back("PausedSeconds");
    if (audio_changed(v.audio, was.audio)) names.push_back("AudioSources");
  }
  if (names.empty()) return;
  // Only what was announced moves forward: counters not announced now wait for the next tick.
  was.state = v.state;
  was.source = v.source;
  was.encoder = v.encoder;
  was.import_path = v.import_path;
  was.bitrate_kbps = v.bitrate_kbps;
  was.outputs = v.outputs;
  was.paused = v.paused;
  if (counters) was = v;
  names.push_back(nullptr);
  sd_bus_emit_properties_changed_strv(bus_, e.path.c_str(), kCaptureInterface, const_cast<char**>(names.data()));
}

void Service::capture_finished(uint32_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = *it->second;
  if (e.start_call) {
    // Stopped (SIGTERM) before it could report its start.
    sd_bus_reply_method_errorf(e.start_call.get(), bus_error::kCancelled, "the capture was stopped while starting");
    e.start_call.reset();
  }
  if (e.registered) {
    drain_events(e);
    e.slot.reset();
    sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "CaptureRemoved", "o", e.path.c_str());
  }
  for (auto& call : e.stop_calls)
    sd_bus_reply_method_return(call.get(), "");
  const bool was_registered = e.registered;
  // A capture that never started was notified of in capture_started.
  if (was_registered && e.capture->view().state == CaptureState::failed) {
    notifier_.capture_failed(id, e.last_error.empty() ? "an error ended it" : e.last_error);
  }
  zc::log::info("daemon: capture {} removed ({})", id, to_string(e.capture->view().state));
  entries_.erase(it);  // joins the capture's finished supervisor
  release_free_memory();
  if (was_registered) emit_manager_changed("Captures");
  publish_metrics();
  status_changed();
}

void Service::tick() {
  for (auto& [id, e] : entries_) {
    if (e->registered) emit_capture_changes(*e, true);
  }
  publish_metrics();
}

std::string Service::status_text() const {
  size_t n = 0;
  std::string states;
  for (const auto& [id, e] : entries_) {
    if (!e->registered) continue;
    ++n;
    states += states.empty() ? "" : ", ";
    states += std::to_string(id) + " " + std::string(to_string(e->capture->view().state));
  }
  if (n == 0) return "no captures";
  return std::to_string(n) + (n == 1 ? " capture: " : " captures: ") + states;
}

void Service::status_changed() {
  if (options_.on_status_change) options_.on_status_change();
}

void Service::publish_metrics() {
  MetricsSnapshot m;
  for (const auto& [id, e] : entries_) {
    if (!e->registered) continue;
    m.captures.push_back({id, e->capture->source(), e->capture->view()});
  }
  m.captures_started = started_;
  m.captures_failed = failed_;
  m.config_reloads = reloads_;
  m.config_errors = config_errors_;
  std::lock_guard lock(metrics_mutex_);
  metrics_ = std::move(m);
}

MetricsSnapshot Service::metrics() const {
  std::lock_guard lock(metrics_mutex_);
  return metrics_;
}

}  // namespace zc::service
