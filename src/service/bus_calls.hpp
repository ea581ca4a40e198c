#pragma once
// Asynchronous method calls and signal matches on the daemon's own connection, each answered by a
// std::function on the loop's thread: what the shortcuts need to talk to the portal and to the
// daemon's own objects without ever waiting on the loop. Dropping a BusCalls cancels what is
// still due (no callback runs after it is gone).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "service/bus_names.hpp"

namespace zc::service {

class BusCalls {
 public:
  // The reply (a method return or an error: sd_bus_message_get_error) of one call.
  using Reply = std::function<void(sd_bus_message* reply)>;
  using Signal = std::function<void(sd_bus_message* signal)>;
  using Appender = std::function<int(sd_bus_message*)>;

  explicit BusCalls(sd_bus* bus) : bus_(bus) {}
  ~BusCalls();
  BusCalls(const BusCalls&) = delete;
  BusCalls& operator=(const BusCalls&) = delete;

  sd_bus* bus() const { return bus_; }

  // Sends the call; `reply` gets its answer (an error too: a timeout, or no such name). A call
  // that cannot even be sent is answered at once with a local error (returned as a negative
  // errno, `reply` not called).
  int call(const char* destination, const char* path, const char* interface, const char* member, const Appender& append,
           Reply reply, uint64_t timeout_usec = 0);
  // Org.freedesktop.DBus.Properties.Get; `reply` gets the variant's reply message.
  int get_property(const char* destination, const char* path, const char* interface, const char* property, Reply reply);

  // A signal match by its rule ("type='signal',sender='...',member='...'"), made with
  // sd_bus_add_match_async: the AddMatch is not waited for, yet the bus applies it before any
  // later call of ours is delivered. Kept until `forget(id)` or the end; returns its id, or 0 when
  // it cannot be made.
  uint64_t match(const std::string& rule, Signal signal);
  void forget(uint64_t id);
  // Every call still due is cancelled (no reply callback runs); matches stay.
  void cancel_calls();

 private:
  struct Entry {
    BusCalls* owner = nullptr;
    uint64_t id = 0;
    bool is_call = false;
    Reply reply;
    Signal signal;
    SlotPtr slot;
  };
  static int on_reply(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_signal(sd_bus_message* m, void* userdata, sd_bus_error* error);
  void erase(const Entry* entry);

  sd_bus* bus_;
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// A D-Bus error name of "nobody owns that name, and nobody could be started for it".
bool is_no_service_error(const sd_bus_error* error);
// ... of "that object, interface or method is not there".
bool is_unknown_method_error(const sd_bus_error* error);

}  // namespace zc::service
