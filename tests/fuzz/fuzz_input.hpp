#pragma once
// Reads a fuzz input as a sequence of typed values (what libFuzzer's FuzzedDataProvider does, which
// the gcc build has not): an input that runs out reads as zeros, so every byte string is a valid
// input and a mutation changes the values it touches, not the meaning of everything after it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

namespace zc::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), left_(size) {}

  bool empty() const { return left_ == 0; }
  size_t left() const { return left_; }

  template <typename T>
  T take() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value{};
    const size_t n = std::min(sizeof(T), left_);
    if (n > 0) std::memcpy(&value, data_, n);
    skip(n);
    return value;
  }

  bool flag() { return (take<uint8_t>() & 1) != 0; }

  // A value in [lo, hi] (both included).
  template <typename T>
  T in_range(T lo, T hi) {
    static_assert(std::is_integral_v<T>);
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<T>(take<uint64_t>());
    return static_cast<T>(static_cast<uint64_t>(lo) + take<uint64_t>() % (span + 1));
  }

  // Up to `n` bytes, fewer at the end of the input.
  std::span<const uint8_t> bytes(size_t n) {
    n = std::min(n, left_);
    std::span<const uint8_t> out(data_, n);
    skip(n);
    return out;
  }

  // A string led by its length byte (0..255).
  std::string text() {
    const auto b = bytes(take<uint8_t>());
    return std::string(b.begin(), b.end());
  }

  std::span<const uint8_t> rest() { return bytes(left_); }

 private:
  void skip(size_t n) {
    data_ += n;
    left_ -= n;
  }

  const uint8_t* data_;
  size_t left_;
};

}  // namespace zc::fuzz
