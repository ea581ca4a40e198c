#include "capture/graph/link_keeper.hpp"

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include <spa/utils/result.h>

#include "capture/graph/link_factory.hpp"
#include "capture/pw/connection.hpp"
#include "capture/pw/prop_number.hpp"
#include "core/log.hpp"

namespace zc::capture {
namespace {

// A session manager's restart links again within about a second; a link the server refuses or
// removes again is tried this many times after one loss.
constexpr std::chrono::milliseconds kGrace{2000};
constexpr uint32_t kAttempts = 3;

uint32_t lookup_id(const spa_dict* props, const char* key) {
  return prop_number<uint32_t>(props, key).value_or(SPA_ID_INVALID);
}

std::string describe(const std::set<LinkPair>& pairs) {
  std::string s;
  for (const LinkPair& p : pairs) {
    if (!s.empty()) s += ", ";
    s += fmt::format("port {} of node {} into port {}", p.output_port, p.output_node, p.input_port);
  }
  return s;
}

}  // namespace

struct LinkKeeper::OwnLink {
  LinkKeeper* owner = nullptr;
  LinkPair pair;
  uint32_t global = SPA_ID_INVALID;  // its global id, once the server says
  bool dead = false;
  pw::ProxyPtr proxy;
  pw::Hook hook;

  static void on_bound(void* data, uint32_t global_id) {
    auto* l = static_cast<OwnLink*>(data);
    l->global = global_id;
    l->owner->update();
  }
  static void on_removed(void* data) {
    auto* l = static_cast<OwnLink*>(data);
    l->dead = true;
    l->owner->update();
  }
  static void on_error(void* data, int, int res, const char* message) {
    auto* l = static_cast<OwnLink*>(data);
    l->dead = true;
    zc::log::warn("{}: {}: the server refused our link ({}): {} ({})", l->owner->options_.stage,
                  l->owner->options_.what, describe({l->pair}), message ? message : "", spa_strerror(res));
    l->owner->update();
  }
};

LinkKeeper::LinkKeeper(Connection& connection, Options options, OwnNode own_node, Relinked relinked)
    : connection_(connection),
      options_(std::move(options)),
      own_node_(std::move(own_node)),
      relinked_(std::move(relinked)) {}

Result<std::unique_ptr<LinkKeeper>> LinkKeeper::create(Connection& connection, Options options, OwnNode own_node,
                                                       Relinked relinked) {
  const std::string stage = options.stage;
  std::unique_ptr<LinkKeeper> k(
      new LinkKeeper(connection, std::move(options), std::move(own_node), std::move(relinked)));
  pw_loop* loop = connection.loop();
  k->update_ = pw::LoopSource(loop, pw_loop_add_event(loop, &LinkKeeper::on_update, k.get()));
  k->grace_ = pw::LoopSource(loop, pw_loop_add_timer(loop, &LinkKeeper::on_grace, k.get()));
  if (!k->update_ || !k->grace_) return fail(Errc::pipewire, stage, "cannot add loop sources for the link keeper");
  k->registry_.reset(pw_core_get_registry(connection.core(), PW_VERSION_REGISTRY, 0));
  if (!k->registry_) return fail(Errc::pipewire, stage, "cannot get the PipeWire registry");
  static const pw_registry_events events = [] {
    pw_registry_events e{};
    e.version = PW_VERSION_REGISTRY_EVENTS;
    e.global = &LinkKeeper::on_global;
    e.global_remove = &LinkKeeper::on_global_remove;
    return e;
  }();
  pw_registry_add_listener(k->registry_.get(), k->registry_hook_.get(), &events, k.get());
  return k;
}

LinkKeeper::~LinkKeeper() = default;

void LinkKeeper::update() {
  if (update_) pw_loop_signal_event(update_.loop(), update_.get());
}

void LinkKeeper::on_update(void* data, uint64_t) {
  auto* self = static_cast<LinkKeeper*>(data);
  if (self->unlinked()) self->arm(true);
}

void LinkKeeper::on_global(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
  auto* self = static_cast<LinkKeeper*>(data);
  if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
    self->ports_.insert(id);
  } else if (std::strcmp(type, PW_TYPE_INTERFACE_Link) == 0) {
    LinkPair p;
    p.output_node = lookup_id(props, PW_KEY_LINK_OUTPUT_NODE);
    p.output_port = lookup_id(props, PW_KEY_LINK_OUTPUT_PORT);
    p.input_node = lookup_id(props, PW_KEY_LINK_INPUT_NODE);
    p.input_port = lookup_id(props, PW_KEY_LINK_INPUT_PORT);
    if (p.output_port == SPA_ID_INVALID || p.input_port == SPA_ID_INVALID) return;
    self->links_[id] = p;
    self->update();
  }
}

void LinkKeeper::on_global_remove(void* data, uint32_t id) {
  auto* self = static_cast<LinkKeeper*>(data);
  self->ports_.erase(id);
  if (self->links_.erase(id) != 0) self->update();
}

uint32_t LinkKeeper::own() const {
  const uint32_t id = own_node_ ? own_node_() : 0;
  return id == SPA_ID_INVALID ? 0 : id;
}

bool LinkKeeper::unlinked() {
  std::erase_if(ours_, [](const auto& entry) { return entry.second->dead; });
  const uint32_t own_id = own();
  if (own_id == 0) return false;
  std::set<uint32_t> own_globals;
  for (const auto& [pair, link] : ours_) {
    // The registry shows a new link before the server tells us its id: until it has, a link into
    // us may be ours, so nothing is judged yet.
    if (link->global == SPA_ID_INVALID) return false;
    own_globals.insert(link->global);
  }
  std::set<LinkPair> others;
  for (const auto& [id, pair] : links_) {
    if (pair.input_node == own_id && !own_globals.contains(id)) others.insert(pair);
  }
  if (!others.empty()) {
    // Replaced as a whole: a stream the user moved elsewhere is remembered where it went. (A
    // session manager's links go together when it dies: one pass sees them all gone.)
    remembered_ = std::move(others);
    tries_ = 0;
    arm(false);
    if (!ours_.empty()) {
      zc::log::info("{}: {}: linked again by somebody else (the session manager is back?); our {} link(s) go",
                    options_.stage, options_.what, ours_.size());
      ours_.clear();
    }
    if (std::exchange(lost_, false)) {
      zc::log::debug("{}: {}: linked again by somebody else: {}", options_.stage, options_.what, describe(remembered_));
      if (relinked_) relinked_();
    }
    return false;
  }
  if (!ours_.empty() || remembered_.empty()) return false;
  if (!std::exchange(lost_, true)) {
    zc::log::debug("{}: {}: its links are gone; linking it again in {} ms unless somebody else does", options_.stage,
                   options_.what, kGrace.count());
  }
  return true;
}

void LinkKeeper::arm(bool on) {
  if (on == armed_) return;
  armed_ = on;
  timespec value = on ? pw::timer_value(kGrace) : timespec{0, 0};
  timespec interval{0, 0};
  pw_loop_update_timer(grace_.loop(), grace_.get(), &value, &interval, false);
}

void LinkKeeper::on_grace(void* data, uint64_t) {
  auto* self = static_cast<LinkKeeper*>(data);
  self->armed_ = false;
  self->relink();
}

void LinkKeeper::relink() {
  if (!unlinked()) return;  // linked again meanwhile, or our node gone
  const uint32_t own_id = own();
  std::set<LinkPair> todo;
  for (const LinkPair& p : remembered_) {
    if (p.input_node == own_id && ports_.contains(p.output_port) && ports_.contains(p.input_port)) todo.insert(p);
  }
  if (todo.empty()) {
    zc::log::debug("{}: {}: unlinked, and the ports it was linked through are gone", options_.stage, options_.what);
    return;
  }
  if (tries_ >= kAttempts) return;
  ++tries_;
  zc::log::warn("{}: {}: not linked for {} ms (the session manager restarted?); linking it again ourselves: {}",
                options_.stage, options_.what, kGrace.count(), describe(todo));
  static const pw_proxy_events link_events = [] {
    pw_proxy_events e{};
    e.version = PW_VERSION_PROXY_EVENTS;
    e.bound = &OwnLink::on_bound;
    e.removed = &OwnLink::on_removed;
    e.error = &OwnLink::on_error;
    return e;
  }();
  bool made = false;
  for (const LinkPair& pair : todo) {
    auto link = std::make_unique<OwnLink>();
    link->owner = this;
    link->pair = pair;
    link->proxy = create_link(connection_.core(), pair);
    if (!link->proxy) {
      zc::log::warn("{}: {}: cannot create a link: {}", options_.stage, options_.what, std::strerror(errno));
      continue;
    }
    pw_proxy_add_listener(link->proxy.get(), link->hook.get(), &link_events, link.get());
    ours_[pair] = std::move(link);
    made = true;
  }
  if (made && relinked_) relinked_();
}

}  // namespace zc::capture
