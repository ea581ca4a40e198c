#include "capture/graph/app_links.hpp"

#include <cstring>

#include <spa/utils/result.h>

#include "capture/graph/link_factory.hpp"
#include "capture/pw/bound_proxy.hpp"
#include "capture/pw/connection.hpp"
#include "capture/pw/prop_number.hpp"
#include "core/log.hpp"

namespace zc::capture {
namespace {

constexpr const char* kStage = "capture:audio";

std::string lookup(const spa_dict* props, const char* key) {
  const char* v = props ? spa_dict_lookup(props, key) : nullptr;
  return v ? v : "";
}

}  // namespace

struct AppLinker::Client {
  AppLinker* owner = nullptr;
  uint32_t id = 0;
  AppIdentity identity;
  bool info = false;  // its properties are known (or will never be: it cannot be bound)
  pw::BoundProxy proxy;
  pw::Hook hook;
  pw::Hook proxy_hook;

  static void on_info(void* data, const pw_client_info* info);
  static void on_error(void* data, int seq, int res, const char* message);
  void known();
  void retire() {  // its global is gone
    hook.reset();
    proxy_hook.reset();
    proxy.retire();
  }
};

struct AppLinker::Node {
  AppLinker* owner = nullptr;
  uint32_t id = 0;
  uint32_t client_id = 0;
  std::string name;  // node.name
  AppIdentity identity;
  bool info = false;
  bool matched = false;
  pw::BoundProxy proxy;
  pw::Hook hook;

  static void on_info(void* data, const pw_node_info* info) {
    auto* n = static_cast<Node*>(data);
    if (!info || !(info->change_mask & PW_NODE_CHANGE_MASK_PROPS)) return;
    n->identity = {lookup(info->props, PW_KEY_APP_NAME), lookup(info->props, PW_KEY_APP_PROCESS_BINARY)};
    if (const std::string name = lookup(info->props, PW_KEY_NODE_NAME); !name.empty()) n->name = name;
    n->info = true;
    n->owner->evaluate(*n);
  }
  void retire() {  // its global is gone
    hook.reset();
    proxy.retire();
  }
};

void AppLinker::Client::on_info(void* data, const pw_client_info* info) {
  auto* c = static_cast<Client*>(data);
  if (!info || !(info->change_mask & PW_CLIENT_CHANGE_MASK_PROPS)) return;
  c->identity = {lookup(info->props, PW_KEY_APP_NAME), lookup(info->props, PW_KEY_APP_PROCESS_BINARY)};
  c->known();
}

void AppLinker::Client::on_error(void* data, int, int res, const char* message) {
  // Not ours to read (a sandboxed client): its nodes are judged by their own properties.
  auto* c = static_cast<Client*>(data);
  zc::log::debug("{}: client {}: {} ({})", kStage, c->id, message ? message : "", spa_strerror(res));
  c->known();
}

void AppLinker::Client::known() {
  info = true;
  for (auto& [id, node] : owner->nodes_) {
    if (node->client_id == this->id) owner->evaluate(*node);
  }
}

struct AppLinker::Link {
  AppLinker* owner = nullptr;
  LinkPair pair;
  bool dead = false;
  pw::ProxyPtr proxy;
  pw::Hook hook;

  static void on_removed(void* data) {
    auto* l = static_cast<Link*>(data);
    l->dead = true;
    l->owner->update();
  }
  static void on_error(void* data, int, int res, const char* message) {
    auto* l = static_cast<Link*>(data);
    l->dead = true;
    // Not tried again while both ports exist: a link the server refuses once it refuses again.
    l->owner->failed_.insert(l->pair);
    std::string what = "port " + std::to_string(l->pair.output_port) + " of node " +
                       std::to_string(l->pair.output_node) + ": " + (message ? message : "") + " (" +
                       spa_strerror(res) + ")";
    l->owner->report_({AppStreamEvent::Kind::link_failed, std::move(what), l->owner->matched_});
    l->owner->update();
  }
};

AppLinker::AppLinker(Connection& connection, std::string wanted, OwnNode own_node, Report report)
    : connection_(connection), wanted_(std::move(wanted)), own_node_(std::move(own_node)), report_(std::move(report)) {}

Result<std::unique_ptr<AppLinker>> AppLinker::create(Connection& connection, std::string wanted, OwnNode own_node,
                                                     Report report) {
  std::unique_ptr<AppLinker> l(new AppLinker(connection, std::move(wanted), std::move(own_node), std::move(report)));
  l->update_ = pw::LoopSource(connection.loop(), pw_loop_add_event(connection.loop(), &AppLinker::on_update, l.get()));
  if (!l->update_) return fail(Errc::pipewire, kStage, "cannot add a loop event for the application links");
  l->registry_.reset(pw_core_get_registry(connection.core(), PW_VERSION_REGISTRY, 0));
  if (!l->registry_) return fail(Errc::pipewire, kStage, "cannot get the PipeWire registry");
  static const pw_registry_events registry_events = [] {
    pw_registry_events e{};
    e.version = PW_VERSION_REGISTRY_EVENTS;
    e.global = &AppLinker::on_global;
    e.global_remove = &AppLinker::on_global_remove;
    return e;
  }();
  pw_registry_add_listener(l->registry_.get(), l->registry_hook_.get(), &registry_events, l.get());
  static const pw_core_events core_events = [] {
    pw_core_events e{};
    e.version = PW_VERSION_CORE_EVENTS;
    e.done = &AppLinker::on_done;
    return e;
  }();
  pw_core_add_listener(connection.core(), l->core_hook_.get(), &core_events, l.get());
  // The registry's globals come before the answer to this; the properties of what we bind on
  // them before the answer to the next one: then the first scan is complete.
  l->scan_seq_ = pw_core_sync(connection.core(), PW_ID_CORE, 0);
  return l;
}

AppLinker::~AppLinker() {
  links_.clear();
  nodes_.clear();
  clients_.clear();
}

void AppLinker::update() {
  if (update_) pw_loop_signal_event(update_.loop(), update_.get());
}

void AppLinker::on_update(void* data, uint64_t) {
  static_cast<AppLinker*>(data)->reconcile();
}

void AppLinker::on_done(void* data, uint32_t id, int seq) {
  auto* self = static_cast<AppLinker*>(data);
  if (id != PW_ID_CORE || seq != self->scan_seq_ || self->scanned_) return;
  if (!self->scan_second_) {
    self->scan_second_ = true;
    self->scan_seq_ = pw_core_sync(self->connection_.core(), PW_ID_CORE, 0);
    return;
  }
  self->scanned_ = true;
  if (self->matched_ == 0) self->report_({AppStreamEvent::Kind::none_yet, {}, 0});
}

void AppLinker::on_global(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
  auto* self = static_cast<AppLinker*>(data);
  if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
    if (lookup(props, PW_KEY_MEDIA_CLASS) == "Stream/Output/Audio") self->add_node(id, props);
  } else if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
    self->add_port(id, props);
  }
}

void AppLinker::add_node(uint32_t id, const spa_dict* props) {
  auto node = std::make_unique<Node>();
  node->owner = this;
  node->id = id;
  node->client_id = prop_number<uint32_t>(props, PW_KEY_CLIENT_ID).value_or(0);
  node->name = lookup(props, PW_KEY_NODE_NAME);
  // The registry shows a node's application.name but not its binary: its info has every property.
  node->proxy.reset(
      static_cast<pw_proxy*>(pw_registry_bind(registry_.get(), id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0)));
  if (!node->proxy) {
    zc::log::debug("{}: cannot bind node {}: {}", kStage, id, std::strerror(errno));
    return;
  }
  static const pw_node_events node_events = [] {
    pw_node_events e{};
    e.version = PW_VERSION_NODE_EVENTS;
    e.info = &Node::on_info;
    return e;
  }();
  pw_node_add_listener(reinterpret_cast<pw_node*>(node->proxy.get()), node->hook.get(), &node_events, node.get());
  if (node->client_id != 0) client(node->client_id);
  nodes_[id] = std::move(node);
}

AppLinker::Client* AppLinker::client(uint32_t id) {
  if (auto it = clients_.find(id); it != clients_.end()) return it->second.get();
  auto c = std::make_unique<Client>();
  c->owner = this;
  c->id = id;
  c->proxy.reset(
      static_cast<pw_proxy*>(pw_registry_bind(registry_.get(), id, PW_TYPE_INTERFACE_Client, PW_VERSION_CLIENT, 0)));
  if (!c->proxy) return nullptr;
  static const pw_client_events client_events = [] {
    pw_client_events e{};
    e.version = PW_VERSION_CLIENT_EVENTS;
    e.info = &Client::on_info;
    return e;
  }();
  pw_client_add_listener(reinterpret_cast<pw_client*>(c->proxy.get()), c->hook.get(), &client_events, c.get());
  static const pw_proxy_events proxy_events = [] {
    pw_proxy_events e{};
    e.version = PW_VERSION_PROXY_EVENTS;
    e.error = &Client::on_error;
    return e;
  }();
  pw_proxy_add_listener(c->proxy.get(), c->proxy_hook.get(), &proxy_events, c.get());
  return (clients_[id] = std::move(c)).get();
}

void AppLinker::add_port(uint32_t id, const spa_dict* props) {
  PortInfo p;
  p.id = id;
  p.node = prop_number<uint32_t>(props, PW_KEY_NODE_ID).value_or(0);
  p.output = lookup(props, PW_KEY_PORT_DIRECTION) == "out";
  p.monitor = lookup(props, PW_KEY_PORT_MONITOR) == "true";
  p.channel = lookup(props, PW_KEY_AUDIO_CHANNEL);
  if (p.node == 0 || p.channel.empty()) return;
  ports_[id] = std::move(p);
  update();
}

void AppLinker::on_global_remove(void* data, uint32_t id) {
  auto* self = static_cast<AppLinker*>(data);
  if (auto it = self->nodes_.find(id); it != self->nodes_.end()) {
    const bool matched = it->second->matched;
    const std::string what = self->describe(*it->second);
    it->second->retire();
    self->nodes_.erase(it);
    if (matched) {
      --self->matched_;
      self->report_({AppStreamEvent::Kind::left, what, self->matched_});
    }
  }
  if (auto it = self->clients_.find(id); it != self->clients_.end()) {
    it->second->retire();
    self->clients_.erase(it);
  }
  if (self->ports_.erase(id) != 0) {
    std::erase_if(self->failed_, [&](const LinkPair& p) { return p.output_port == id || p.input_port == id; });
  }
  self->update();
}

void AppLinker::evaluate(Node& node) {
  if (!node.info) return;
  AppIdentity from_client;
  if (auto it = clients_.find(node.client_id); it != clients_.end()) {
    if (!it->second->info) return;  // judged once its client's properties are in as well
    from_client = it->second->identity;
  }
  const bool matches = app_matches(wanted_, app_identity(node.identity, from_client));
  if (matches == node.matched) return;
  node.matched = matches;
  matches ? ++matched_ : --matched_;
  report_({matches ? AppStreamEvent::Kind::joined : AppStreamEvent::Kind::left, describe(node), matched_});
  update();
}

std::string AppLinker::describe(const Node& node) const {
  AppIdentity from_client;
  if (auto it = clients_.find(node.client_id); it != clients_.end()) from_client = it->second->identity;
  const AppIdentity app = app_identity(node.identity, from_client);
  return "'" + (app.name.empty() ? node.name : app.name) + "' (" + (app.binary.empty() ? "?" : app.binary) + ", node " +
         std::to_string(node.id) + ")";
}

void AppLinker::reconcile() {
  std::erase_if(links_, [](const auto& entry) { return entry.second->dead; });
  uint32_t own = own_node_ ? own_node_() : 0;
  if (own == SPA_ID_INVALID) own = 0;
  std::set<uint32_t> apps;
  for (const auto& [id, node] : nodes_) {
    if (node->matched) apps.insert(id);
  }
  std::vector<PortInfo> ports;
  ports.reserve(ports_.size());
  for (const auto& [id, port] : ports_) {
    if (port.node == own || apps.contains(port.node)) ports.push_back(port);
  }
  const std::set<LinkPair> want = plan_links(ports, apps, own);
  // A stream that stopped matching (its properties changed) or ports that went: their links go.
  std::erase_if(links_, [&](const auto& entry) { return !want.contains(entry.first); });
  static const pw_proxy_events link_events = [] {
    pw_proxy_events e{};
    e.version = PW_VERSION_PROXY_EVENTS;
    e.removed = &Link::on_removed;
    e.error = &Link::on_error;
    return e;
  }();
  for (const LinkPair& pair : want) {
    if (links_.contains(pair) || failed_.contains(pair)) continue;
    // No object.linger: the link is our client's, and goes with it (even on SIGKILL).
    auto link = std::make_unique<Link>();
    link->owner = this;
    link->pair = pair;
    link->proxy = create_link(connection_.core(), pair);
    if (!link->proxy) {
      zc::log::debug("{}: cannot create a link: {}", kStage, std::strerror(errno));
      failed_.insert(pair);
      continue;
    }
    pw_proxy_add_listener(link->proxy.get(), link->hook.get(), &link_events, link.get());
    zc::log::debug("{}: linking port {} ({}) of node {} into port {} ({}) of ours", kStage, pair.output_port,
                   ports_[pair.output_port].channel, pair.output_node, pair.input_port,
                   ports_[pair.input_port].channel);
    links_[pair] = std::move(link);
  }
}

}  // namespace zc::capture
