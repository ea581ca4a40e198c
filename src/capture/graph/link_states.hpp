#pragma once
// The server's own word on the links into one of our nodes: each is bound and its state followed
// (pw_link_info: init, negotiating, allocating, paused, active, or error with the server's
// message). When a negotiation does not finish, that says what it waited for: no link at all (no
// session manager), a link the server never began (its one work queue held up by another client
// that does not answer it), a producer that never answered, or a link that failed ("no more input
// formats"). Fed from the owner's registry listener; loop thread only.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <pipewire/pipewire.h>

namespace zc::capture {

class LinkStates {
 public:
  explicit LinkStates(pw_registry* registry);
  ~LinkStates();
  LinkStates(const LinkStates&) = delete;
  LinkStates& operator=(const LinkStates&) = delete;

  // A registry global of any type: a link into `own_node` is bound and followed.
  void on_global(uint32_t id, const char* type, const spa_dict* props, uint32_t own_node);
  void on_global_remove(uint32_t id);

  struct Waiting {
    std::string words;              // for an error message, without parentheses
    bool format_failed = false;     // the server failed the link over its format ("no more input formats")
    bool lost_unexplained = false;  // a link was made and went away, its error (if any) never seen
  };
  // Why a negotiation waits: the least advanced link into our node (a failed one first, also one
  // the server has removed since), or that none was ever made. `format_set`: the stream has its
  // format (an active link then waits for the producer's first frame).
  Waiting why_waiting(bool format_set) const;

 private:
  struct Followed;
  static Waiting failure(const std::string& error);

  pw_registry* registry_;
  std::map<uint32_t, std::unique_ptr<Followed>> links_;  // by global id
  bool ever_linked_ = false;
  std::optional<std::string> removed_failure_;  // the error of a failed link, removed since
};

}  // namespace zc::capture
