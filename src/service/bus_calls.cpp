#include "service/bus_calls.hpp"

#include <algorithm>
#include <string_view>

namespace zc::service {

BusCalls::~BusCalls() {
  // The slots go first: a callback must not run into a half-destroyed list.
  for (auto& e : entries_)
    e->slot.reset();
}

int BusCalls::call(const char* destination, const char* path, const char* interface, const char* member,
                   const Appender& append, Reply reply, uint64_t timeout_usec) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &raw, destination, path, interface, member);
  MessagePtr m(raw);
  if (r >= 0 && append) r = append(m.get());
  if (r < 0) return r;
  auto entry = std::make_unique<Entry>();
  entry->owner = this;
  entry->id = next_id_++;
  entry->is_call = true;
  entry->reply = std::move(reply);
  sd_bus_slot* slot = nullptr;
  if ((r = sd_bus_call_async(bus_, &slot, m.get(), &BusCalls::on_reply, entry.get(), timeout_usec)) < 0) return r;
  entry->slot.reset(slot);
  entries_.push_back(std::move(entry));
  return 0;
}

int BusCalls::get_property(const char* destination, const char* path, const char* interface, const char* property,
                           Reply reply) {
  return call(
      destination, path, "org.freedesktop.DBus.Properties", "Get",
      [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", interface, property); }, std::move(reply));
}

uint64_t BusCalls::match(const std::string& rule, Signal signal) {
  auto entry = std::make_unique<Entry>();
  entry->owner = this;
  entry->id = next_id_++;
  entry->signal = std::move(signal);
  sd_bus_slot* slot = nullptr;
  if (sd_bus_add_match_async(bus_, &slot, rule.c_str(), &BusCalls::on_signal, nullptr, entry.get()) < 0) return 0;
  entry->slot.reset(slot);
  const uint64_t id = entry->id;
  entries_.push_back(std::move(entry));
  return id;
}

void BusCalls::forget(uint64_t id) {
  std::erase_if(entries_, [id](const auto& e) { return e->id == id; });
}

void BusCalls::cancel_calls() {
  std::erase_if(entries_, [](const auto& e) { return e->is_call; });
}

void BusCalls::erase(const Entry* entry) {
  std::erase_if(entries_, [entry](const auto& e) { return e.get() == entry; });
}

int BusCalls::on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* entry = static_cast<Entry*>(userdata);
  BusCalls* owner = entry->owner;
  // Out of the list before the callback runs: it may make calls of its own (the list grows) or
  // cancel every call (this one is over already). sd-bus holds its own slot reference meanwhile.
  Reply reply = std::move(entry->reply);
  owner->erase(entry);
  if (reply) reply(m);
  return 0;
}

int BusCalls::on_signal(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* entry = static_cast<Entry*>(userdata);
  // A copy: the handler may forget its own match.
  Signal signal = entry->signal;
  if (signal) signal(m);
  return 0;
}

bool is_no_service_error(const sd_bus_error* e) {
  const std::string_view name = e && e->name ? e->name : "";
  return name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
         name.starts_with("org.freedesktop.DBus.Error.Spawn.");
}

bool is_unknown_method_error(const sd_bus_error* e) {
  const std::string_view name = e && e->name ? e->name : "";
  return name == "org.freedesktop.DBus.Error.UnknownMethod" || name == "org.freedesktop.DBus.Error.UnknownInterface" ||
         name == "org.freedesktop.DBus.Error.UnknownObject" || name == "org.freedesktop.DBus.Error.UnknownProperty";
}

}  // namespace zc::service
