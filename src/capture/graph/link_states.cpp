#include "capture/graph/link_states.hpp"

#include <cstring>
#include <utility>

#include "capture/pw/bound_proxy.hpp"
#include "capture/pw/prop_number.hpp"
#include "core/log.hpp"

namespace zc::capture {

struct LinkStates::Followed {
  pw::BoundProxy proxy;
  pw::Hook hook;                       // goes before the proxy
  std::optional<pw_link_state> state;  // none until the server's first info
  std::string error;

  static void on_info(void* data, const pw_link_info* info) {
    auto* f = static_cast<Followed*>(data);
    if (!info || (info->change_mask & PW_LINK_CHANGE_MASK_STATE) == 0) return;
    f->state = info->state;
    f->error = info->error ? info->error : "";
  }
};

LinkStates::LinkStates(pw_registry* registry) : registry_(registry) {}
LinkStates::~LinkStates() = default;

void LinkStates::on_global(uint32_t id, const char* type, const spa_dict* props, uint32_t own_node) {
  if (!props || std::strcmp(type, PW_TYPE_INTERFACE_Link) != 0 || own_node == 0 || own_node == SPA_ID_INVALID) return;
  if (prop_number<uint32_t>(props, PW_KEY_LINK_INPUT_NODE) != own_node) return;
  ever_linked_ = true;
  auto f = std::make_unique<Followed>();
  f->proxy.reset(static_cast<pw_proxy*>(pw_registry_bind(registry_, id, PW_TYPE_INTERFACE_Link, PW_VERSION_LINK, 0)));
  if (f->proxy) {
    static const pw_link_events events = [] {
      pw_link_events e{};
      e.version = PW_VERSION_LINK_EVENTS;
      e.info = &Followed::on_info;
      return e;
    }();
    pw_link_add_listener(reinterpret_cast<pw_link*>(f->proxy.get()), f->hook.get(), &events, f.get());
  } else {
    zc::log::debug("capture: cannot bind link {} to follow its state", id);
  }
  links_[id] = std::move(f);
}

void LinkStates::on_global_remove(uint32_t id) {
  const auto it = links_.find(id);
  if (it == links_.end()) return;
  if (it->second->state == PW_LINK_STATE_ERROR) removed_failure_ = it->second->error;
  it->second->hook.reset();
  it->second->proxy.retire();
  links_.erase(it);
}

LinkStates::Waiting LinkStates::failure(const std::string& error) {
  return {"the server failed the link: " + (error.empty() ? std::string("no reason given") : error),
          error.find("format") != std::string::npos};
}

LinkStates::Waiting LinkStates::why_waiting(bool format_set) const {
  if (links_.empty()) {
    if (removed_failure_) return failure(*removed_failure_);
    if (ever_linked_) return {"its link to the stream went away and none came back", false, true};
    return {"nothing linked the stream to it: is a session manager (WirePlumber) running?"};
  }
  // The link that tells most: a failed one, else the least advanced.
  const Followed* worst = nullptr;
  for (const auto& [id, f] : links_) {
    if (!f->state) continue;
    if (!worst || *f->state == PW_LINK_STATE_ERROR ||
        (*worst->state != PW_LINK_STATE_ERROR && *f->state < *worst->state)) {
      worst = f.get();
    }
  }
  if (!worst) return {"linked, but the server never reported the link's state"};
  switch (*worst->state) {
    case PW_LINK_STATE_ERROR:
      return failure(worst->error);
    case PW_LINK_STATE_UNLINKED:
      return {"the link was undone"};
    case PW_LINK_STATE_INIT:
      return {
          "the server never began to negotiate the link (state init): its one work queue waits on some node "
          "of the graph, as when a client does not answer the server's commands"};
    case PW_LINK_STATE_NEGOTIATING:
      return {"the link is still negotiating a format: the producer did not answer"};
    case PW_LINK_STATE_ALLOCATING:
      return {"the link is still allocating buffers: the producer did not answer"};
    case PW_LINK_STATE_PAUSED:
      return {"the link is ready, but the producer never started"};
    case PW_LINK_STATE_ACTIVE:
      return {format_set ? "the link is active and the format set, but no frame came from the producer"
                         : "the link is active, but no usable format reached the stream"};
  }
  return {"the link is in an unknown state"};
}

}  // namespace zc::capture
