#include "session/counters.hpp"

namespace zc::session {

uint64_t Counters::dropped() const {
  uint64_t sum = 0;
  for (const auto& row : kCounterTable) {
    if (row.status == StatusShow::dropped) sum += (*this)[row.counter];
  }
  return sum;
}

}  // namespace zc::session
