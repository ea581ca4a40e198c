#pragma once
// A memory mapping of a file descriptor (mmap/munmap), owned: the test source's shared-memory
// slots, the CPU path's dmabuf mappings.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <utility>

namespace zc {

class Mapping {
 public:
  Mapping() = default;
  // Maps `size` bytes of `fd` from `offset` (MAP_SHARED); check valid() (errno says why not).
  Mapping(int fd, size_t size, int prot, off_t offset = 0) : size_(size) {
    void* p = ::mmap(nullptr, size, prot, MAP_SHARED, fd, offset);
    data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
    if (!data_) size_ = 0;
  }
  Mapping(Mapping&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  bool valid() const { return data_ != nullptr; }
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void reset() {
    if (data_) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace zc
