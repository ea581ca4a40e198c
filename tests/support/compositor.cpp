#include "support/compositor.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <thread>

// The preloaded library's path (tests/integration/portal/CMakeLists.txt builds it).
#ifndef ZC_PORTAL_SHIM
#error "ZC_PORTAL_SHIM must name the built portal shim"
#endif

namespace zc::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kPortal = "/usr/libexec/xdg-desktop-portal";
constexpr const char* kBackend = "/usr/libexec/xdg-desktop-portal-wlr";
constexpr const char* kPermissionStore = "/usr/libexec/xdg-permission-store";
constexpr const char* kClient = "weston-presentation-shm";
constexpr const char* kUnprivileged = "65534";  // nobody: sway refuses to run as root

std::string read_file(const std::string& path, size_t tail = 0) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (tail && s.size() > tail) s = "..." + s.substr(s.size() - tail);
  return s;
}

void write_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::ofstream(path) << content;
  ::chmod(path.c_str(), mode);
}

bool wait_for(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ready();
}

// NameHasOwner on the private bus, through a short-lived connection.
bool name_has_owner(const std::string& address, const std::string& name) {
  sd_bus* raw = nullptr;
  if (sd_bus_new(&raw) < 0) return false;
  std::unique_ptr<sd_bus, decltype(&sd_bus_flush_close_unref)> bus(raw, &sd_bus_flush_close_unref);
  if (sd_bus_set_address(raw, address.c_str()) < 0 || sd_bus_set_bus_client(raw, 1) < 0 || sd_bus_start(raw) < 0) {
    return false;
  }
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call_method(raw, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                   "NameHasOwner", &error, &reply, "s", name.c_str());
  sd_bus_error_free(&error);
  int owned = 0;
  if (r >= 0) sd_bus_message_read(reply, "b", &owned);
  sd_bus_message_unref(reply);
  return owned != 0;
}

std::string hex_colour(uint32_t rgb) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%06x", rgb & 0xffffffU);
  return buf;
}

}  // namespace

std::optional<std::string> Compositor::unavailable(const Options& o) {
  std::vector<std::string> needed{"dbus-daemon", "pipewire", "wireplumber", "pw-cli"};
  if (o.compositor) {
    for (const char* p : {"sway", "swaymsg", "swaybg", kClient})
      needed.emplace_back(p);
    if (::geteuid() == 0) needed.emplace_back("setpriv");
  }
  if (o.portal) {
    for (const char* p : {kPortal, kBackend, kPermissionStore})
      needed.emplace_back(p);
    if (o.shim && !fs::exists(ZC_PORTAL_SHIM)) {
      return std::string("the portal shim ") + ZC_PORTAL_SHIM + " is not built";
    }
  }
  for (const auto& p : needed) {
    if (!have_program(p)) return p + " is not installed";
  }
  return std::nullopt;
}

Compositor::Compositor(Options options) : options_(options) {
  dir_ = make_temp_dir("zc-desk");
  // sway (uid 65534 when we are root) reaches its own directory inside this one.
  ::chmod(dir_.c_str(), 0711);
  state_ = dir_ + "/state";
  fs::create_directories(state_);
  auto set = [&](const char* name, const std::optional<std::string>& value) {
    if (!saved_env_.count(name)) {
      const char* old = std::getenv(name);
      saved_env_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  };
  bus_ = "unix:path=" + dir_ + "/bus";
  set("XDG_RUNTIME_DIR", dir_);
  set("DBUS_SESSION_BUS_ADDRESS", bus_);
  set("XDG_STATE_HOME", state_);
  // The permission store keeps restore data under XDG_DATA_HOME: never the user's.
  set("XDG_DATA_HOME", dir_ + "/data");
  set("XDG_CONFIG_HOME", dir_ + "/config");
  set("XDG_CACHE_HOME", dir_ + "/cache");
  set("GIO_USE_VFS", std::string("local"));
  set("GSETTINGS_BACKEND", std::string("memory"));
  for (const char* name :
       {"PIPEWIRE_RUNTIME_DIR", "PIPEWIRE_REMOTE", "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP"})
    set(name, std::nullopt);
  try {
    start_bus();
    start_pipewire();
    if (options_.compositor) {
      start_sway();
      start_client();
    }
    if (options_.portal) {
      start_backend();
      start_frontend();
    }
  } catch (...) {
    teardown();
    throw;
  }
}

Compositor::~Compositor() {
  teardown();
}

void Compositor::teardown() {
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) {
    const int pid = (*it)->pid();
    if (pid > 0) ::kill(-pid, SIGTERM);
    (*it)->stop(2s);
    // Whatever it left in its group (activated helpers, children) goes with it.
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  processes_.clear();
  backend_ = frontend_ = nullptr;
  for (const auto& [name, value] : saved_env_) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
  saved_env_.clear();
  std::error_code ec;
  if (!std::getenv("ZC_TEST_KEEP") && !dir_.empty()) fs::remove_all(dir_, ec);
  dir_.clear();
}

Process& Compositor::spawn(std::vector<std::string> argv, const Process::Options& options) {
  // A test process that crashes or is killed by ctest's timeout takes its desktop with it: the
  // kernel sends SIGKILL to each child when its parent dies (set after setpriv's uid change,
  // which would clear it).
  if (have_program("setpriv")) {
    if (argv.front() != "setpriv") argv.insert(argv.begin(), "setpriv");
    argv.insert(argv.begin() + 1, {"--pdeathsig", "KILL"});
  }
  processes_.push_back(std::make_unique<Process>(std::move(argv), options));
  return *processes_.back();
}

void Compositor::start_bus() {
  // No service directory: a portal that is not started here cannot be activated either.
  fs::create_directories(dir_ + "/dbus-services");
  write_file(dir_ + "/bus.conf",
             "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
             "<busconfig><type>session</type><keep_umask/><listen>unix:path=" +
                 dir_ + "/bus</listen><auth>EXTERNAL</auth><servicedir>" + dir_ +
                 "/dbus-services</servicedir><policy context=\"default\"><allow send_destination=\"*\" "
                 "eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n");
  Process::Options o;
  o.log_path = dir_ + "/dbus.log";
  spawn({"dbus-daemon", "--config-file=" + dir_ + "/bus.conf", "--nofork", "--nopidfile", "--nosyslog"}, o);
  if (!wait_for([&] { return fs::exists(dir_ + "/bus"); }, 5s))
    throw std::runtime_error("dbus-daemon did not start" + logs());
}

void Compositor::start_pipewire() {
  Process::Options o;
  o.log_path = dir_ + "/pipewire.log";
  spawn({"pipewire"}, o);
  if (!wait_for([&] { return fs::exists(dir_ + "/pipewire-0"); }, 10s)) {
    throw std::runtime_error("pipewire did not create its socket" + logs());
  }
  o.log_path = dir_ + "/wireplumber.log";
  spawn({"wireplumber"}, o);
  // WirePlumber links streams once its "default" metadata exists (pw-dump 0.3.65 leaves out
  // metadata a client exported; pw-cli lists it).
  const bool ready = wait_for(
      [&] {
        auto m = run({"pw-cli", "ls", "Metadata"}, 5s);
        return m.status == 0 && m.output.find("metadata.name = \"default\"") != std::string::npos;
      },
      15s);
  if (!ready) throw std::runtime_error("WirePlumber did not get ready" + logs());
}

void Compositor::start_sway() {
  sway_dir_ = dir_ + "/sway";
  fs::create_directories(sway_dir_);
  const bool root = ::geteuid() == 0;
  if (root && ::chown(sway_dir_.c_str(), 65534, 65534) != 0) throw std::runtime_error("cannot chown " + sway_dir_);
  ::chmod(sway_dir_.c_str(), 0700);
  const std::string config = dir_ + "/sway.conf";
  // The client floats in the middle; the background around it is the colour tests look for.
  write_file(config, "xwayland disable\noutput HEADLESS-1 mode " + std::to_string(options_.width) + "x" +
                         std::to_string(options_.height) + " bg " + hex_colour(options_.background) +
                         " solid_color\nfor_window [app_id=\".*\"] floating enable\n");
  std::vector<std::string> argv{"sway", "-c", config};
  if (root) {
    argv.insert(argv.begin(), {"setpriv", std::string("--reuid=") + kUnprivileged,
                               std::string("--regid=") + kUnprivileged, "--clear-groups"});
  }
  Process::Options o;
  o.log_path = dir_ + "/sway.log";
  o.env = {{"XDG_RUNTIME_DIR", sway_dir_},
           {"HOME", sway_dir_},
           {"WLR_BACKENDS", "headless"},
           {"WLR_RENDERER", "pixman"},
           {"WLR_LIBINPUT_NO_DEVICES", "1"}};
  spawn(argv, o);
  const bool ready = wait_for(
      [&] {
        for (const auto& e : fs::directory_iterator(sway_dir_)) {
          const auto name = e.path().filename().string();
          if (name.rfind("wayland-", 0) == 0 && e.path().extension() != ".lock" && e.is_socket()) {
            wayland_ = e.path().string();
            return true;
          }
        }
        return false;
      },
      10s);
  if (!ready) throw std::runtime_error("sway did not open a Wayland socket" + logs());
}

void Compositor::start_client() {
  Process::Options o;
  o.log_path = dir_ + "/client.log";
  o.env = {{"WAYLAND_DISPLAY", wayland_}};
  spawn({kClient}, o);
  // Mapped once sway's tree shows it; its first frames follow at once.
  std::string ipc;
  for (const auto& e : fs::directory_iterator(sway_dir_)) {
    if (e.path().filename().string().rfind("sway-ipc.", 0) == 0) ipc = e.path().string();
  }
  const bool mapped = wait_for(
      [&] {
        auto r = run({"swaymsg", "-s", ipc, "-t", "get_tree"}, 5s);
        return r.status == 0 && r.output.find("presentation-shm") != std::string::npos;
      },
      10s);
  if (!mapped) throw std::runtime_error(std::string(kClient) + " did not appear in sway" + logs());
}

void Compositor::start_backend() {
  Chooser chooser = options_.chooser;
  const int n = ++backend_runs_;
  const std::string config = dir_ + "/xdpw-" + std::to_string(n) + ".conf";
  write_file(config, chooser == Chooser::none ? "[screencast]\nchooser_type=none\noutput_name=HEADLESS-1\n"
                                              : "[screencast]\nchooser_type=simple\nchooser_cmd=/bin/false\n");
  Process::Options o;
  o.log_path = dir_ + "/xdpw-" + std::to_string(n) + ".log";
  o.env = {{"WAYLAND_DISPLAY", wayland_}};
  if (options_.shim) o.env["LD_PRELOAD"] = ZC_PORTAL_SHIM;
  backend_ = &spawn({kBackend, "-r", "-l", "INFO", "-c", config}, o);
  wait_for_name("org.freedesktop.impl.portal.desktop.wlr", *backend_, 10s);
}

void Compositor::start_frontend() {
  Process::Options o;
  o.log_path = dir_ + "/permission-store.log";
  Process& store = spawn({kPermissionStore, "-r"}, o);
  wait_for_name("org.freedesktop.impl.portal.PermissionStore", store, 10s);
  o.log_path = dir_ + "/portal.log";
  // XDG_CURRENT_DESKTOP picks the wlr backend (xdg-desktop-portal 1.16).
  o.env = {{"XDG_CURRENT_DESKTOP", "sway"}};
  frontend_ = &spawn({kPortal, "-r", "-v"}, o);
  wait_for_name("org.freedesktop.portal.Desktop", *frontend_, 10s);
}

void Compositor::wait_for_name(const std::string& name, Process& owner, std::chrono::milliseconds timeout) {
  if (!wait_for([&] { return name_has_owner(bus_, name) || !owner.running(); }, timeout) || !owner.running()) {
    throw std::runtime_error(name + " did not appear on the bus" + logs());
  }
}

void Compositor::restart_backend(Chooser chooser) {
  if (backend_) {
    const int pid = backend_->pid();
    backend_->stop(2s);
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  options_.chooser = chooser;
  start_backend();
}

void Compositor::kill_portal() {
  if (!frontend_) return;
  frontend_->signal(SIGKILL);
  frontend_->wait(5s);
}

std::string Compositor::backend_log() const {
  return read_file(dir_ + "/xdpw-" + std::to_string(backend_runs_) + ".log");
}

std::string Compositor::logs() const {
  std::string out;
  std::vector<std::string> names{"dbus.log",   "pipewire.log",         "wireplumber.log", "sway.log",
                                 "client.log", "permission-store.log", "portal.log"};
  for (int i = 1; i <= backend_runs_; ++i)
    names.push_back("xdpw-" + std::to_string(i) + ".log");
  for (const auto& name : names) {
    const std::string path = dir_ + "/" + name;
    if (!fs::exists(path)) continue;
    out += "\n--- " + name + " ---\n" + read_file(path, 3000);
  }
  return out;
}

}  // namespace zc::test
