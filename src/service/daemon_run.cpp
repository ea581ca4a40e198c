#include "service/daemon_run.hpp"

#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"

#include "core/allocator.hpp"
#include "service/bus_names.hpp"
#include "service/loop_poster.hpp"
#include "service/metrics.hpp"
#include "service/service.hpp"
#include "service/shortcut_actions.hpp"
#include "service/shortcuts.hpp"
#include "session/zerocopy_mode.hpp"

namespace zc::service {

using session::install_importer;
namespace {

constexpr uint64_t kTickUsec = 1'000'000;
constexpr uint64_t kShutdownGraceUsec = 20'000'000;  // then the loop ends whatever is left

struct Daemon {
  sd_event* event = nullptr;
  Service* service = nullptr;
  bool shutting_down = false;
  std::string last_status;
  EventSourcePtr shutdown_deadline;

  void notify_status() {
    const std::string status = shutting_down ? "stopping: " + service->status_text() : service->status_text();
    if (status == last_status) return;
    last_status = status;
    sd_notifyf(0, "STATUS=%s", status.c_str());
  }

  void maybe_exit() {
    if (shutting_down && service->idle()) sd_event_exit(event, 0);
  }
};

int on_stop_signal(sd_event_source*, const signalfd_siginfo* info, void* userdata) {
  auto* d = static_cast<Daemon*>(userdata);
  if (d->shutting_down) return 0;
  zc::log::info("daemon: {} received, stopping every capture", info->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
  d->shutting_down = true;
  sd_notify(0, "STOPPING=1");
  d->service->stop_all();
  d->notify_status();
  sd_event_source* deadline = nullptr;
  sd_event_add_time_relative(
      d->event, &deadline, CLOCK_MONOTONIC, kShutdownGraceUsec, 0,
      [](sd_event_source*, uint64_t, void* u) {
        zc::log::error("daemon: captures did not stop in time; exiting anyway");
        sd_event_exit(static_cast<Daemon*>(u)->event, 1);
        return 0;
      },
      d);
  d->shutdown_deadline.reset(deadline);
  d->maybe_exit();
  return 0;
}

int on_hup(sd_event_source*, const signalfd_siginfo*, void* userdata) {
  auto* d = static_cast<Daemon*>(userdata);
  zc::log::info("daemon: SIGHUP received, reloading the configuration");
  sd_notify(0, "RELOADING=1");
  (void)d->service->reload_config();
  sd_notify(0, "READY=1");
  d->last_status.clear();
  d->notify_status();
  return 0;
}

int on_tick(sd_event_source* source, uint64_t, void* userdata) {
  auto* d = static_cast<Daemon*>(userdata);
  d->service->tick();
  d->notify_status();
  sd_event_source_set_time_relative(source, kTickUsec);
  sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
  return 0;
}

int failed(const std::string& message) {
  zc::log::error("daemon: {}", message);
  sd_notifyf(0, "STATUS=failed: %s", message.c_str());
  return kDaemonFailed;
}

}  // namespace

int run_daemon(const DaemonArgs& args, const settings::Process& process) {
  // Before any thread starts (threads inherit the mask): sd-event takes these through a signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  // A network peer that closes its end must cost an output (EPIPE), never the daemon.
  signal(SIGPIPE, SIG_IGN);
  // A stopped capture's memory goes back to the kernel whole (core/allocator.hpp).
  one_arena(settings::allocator_tuning(process, args.env));

  settings::ConfigSources sources;
  sources.path = args.config_path.empty() ? args.env.config_path() : args.config_path;
  sources.required = !args.config_path.empty();
  sources.env = args.env;
  sources.overrides = args.overrides;
  auto load = [sources] { return settings::load_config(sources); };
  auto config = load();
  if (!config) {
    zc::log::error("daemon: {}", config.error().describe());
    sd_notifyf(0, "STATUS=invalid configuration: %s", config.error().describe().c_str());
    return kDaemonBadConfig;
  }
  zc::log::info("daemon: zerocast {} starting (config {})", ZEROCAST_VERSION, sources.path);

  sd_event* raw_event = nullptr;
  if (int r = sd_event_new(&raw_event); r < 0) return failed(std::string("sd_event_new: ") + std::strerror(-r));
  EventPtr event(raw_event);
  sd_bus* raw_bus = nullptr;
  if (int r = sd_bus_open_user(&raw_bus); r < 0) {
    return failed(std::string("cannot connect to the session bus: ") + std::strerror(-r));
  }
  BusPtr bus(raw_bus);
  if (int r = sd_bus_attach_event(bus.get(), event.get(), SD_EVENT_PRIORITY_NORMAL); r < 0) {
    return failed(std::string("sd_bus_attach_event: ") + std::strerror(-r));
  }
  auto poster = LoopPoster::create(event.get());
  if (!poster) return failed(poster.error().describe());

  Daemon d;
  d.event = event.get();
  ServiceOptions so;
  so.version = ZEROCAST_VERSION;
  so.load_config = load;
  so.on_status_change = [&d] {
    d.notify_status();
    d.maybe_exit();
  };
  so.hooks = args.hooks;
  so.replay_directory = [env = args.env](const settings::Settings& s) { return settings::replay_directory(s, env); };
  if (!so.hooks.make_importer) {
    if (auto chosen = install_importer(settings::zerocopy_options(process), so.hooks); !chosen) {
      return failed(chosen.error().describe());
    }
  }
  // Global shortcuts: bound once the name is ours, rebound by a reload that changes them.
  ShortcutActions shortcut_actions(bus.get(), *config, so.replay_directory);
  ShortcutPortal shortcuts(bus.get(), [&shortcut_actions, &d](const std::string& id) {
    if (!d.shutting_down) shortcut_actions.run(id);  // nothing new starts while every capture stops
  });
  so.on_config_reloaded = [&shortcut_actions, &shortcuts](const settings::Settings& s) {
    shortcut_actions.set_config(s);
    shortcuts.bind(shortcut_bindings(s.shortcuts));
  };
  Service service(bus.get(), **poster, *config, so);
  d.service = &service;
  if (auto ok = service.register_manager(); !ok) return failed(ok.error().describe());

  std::unique_ptr<MetricsServer> metrics;
  if (!config->daemon.metrics.empty()) {
    auto m = MetricsServer::start(config->daemon.metrics,
                                  [&service] { return render_metrics(service.metrics(), ZEROCAST_VERSION); });
    if (!m) return failed(m.error().describe());
    metrics = std::move(*m);
  }

  EventSourcePtr sig_term, sig_int, sig_hup, tick;
  sd_event_source* s = nullptr;
  if (sd_event_add_signal(event.get(), &s, SIGTERM, on_stop_signal, &d) >= 0) sig_term.reset(s);
  if (sd_event_add_signal(event.get(), &s, SIGINT, on_stop_signal, &d) >= 0) sig_int.reset(s);
  if (sd_event_add_signal(event.get(), &s, SIGHUP, on_hup, &d) >= 0) sig_hup.reset(s);
  if (sd_event_add_time_relative(event.get(), &s, CLOCK_MONOTONIC, kTickUsec, 0, on_tick, &d) >= 0) tick.reset(s);
  // WATCHDOG=1 at half of WATCHDOG_USEC when systemd asks for it (WatchdogSec=).
  if (int r = sd_event_set_watchdog(event.get(), 1); r > 0) zc::log::info("daemon: watchdog enabled");

  // The name last: once it is ours, callers can reach everything.
  if (int r = sd_bus_request_name(bus.get(), kBusName, 0); r < 0) {
    if (r == -EEXIST) return failed(std::string("another process already owns ") + kBusName);
    return failed(std::string("cannot own ") + kBusName + ": " + std::strerror(-r));
  }
  zc::log::info("daemon: ready on the session bus as {}", kBusName);
  sd_notify(0, "READY=1");
  d.notify_status();
  // Asynchronous: the portal's answers come through the loop.
  shortcuts.bind(shortcut_bindings(config->shortcuts));

  int r = sd_event_loop(event.get());
  if (!service.idle()) {
    // The bus went away, or the grace period ended: captures still finish their files.
    service.stop_all();
  }
  sd_bus_release_name(bus.get(), kBusName);
  zc::log::info("daemon: exiting");
  return r < 0 || r == 1 ? kDaemonFailed : kDaemonOk;
}

}  // namespace zc::service
