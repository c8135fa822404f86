#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

namespace serval::storage {

// Bytes at an address aligned for direct I/O: O_DIRECT wants the buffer's address, its length
// and the file offset on a block boundary. A fixed capacity (a whole number of blocks), filled
// from the front; movable (the moved-from buffer is empty, with no capacity), not copyable.
class AlignedBuffer {
 public:
  // 4 KiB covers the logical block of every disk we expect; a device that wants more makes the
  // direct write fail with EINVAL, and the writer falls back to the page cache.
  static constexpr size_t kAlignment = 4096;

  static bool IsAligned(const void* address) {
    return reinterpret_cast<uintptr_t>(address) % kAlignment == 0;
  }
  // `size` rounded down to whole blocks.
  static size_t WholeBlocks(size_t size) { return size - size % kAlignment; }

  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::move(other.data_)),
        capacity_(std::exchange(other.capacity_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  // Room for at least `capacity` bytes.
  explicit AlignedBuffer(size_t capacity) : capacity_(WholeBlocks(capacity + kAlignment - 1)) {
    data_.reset(
        static_cast<char*>(std::aligned_alloc(kAlignment, std::max(capacity_, kAlignment))));
    if (data_ == nullptr) throw std::bad_alloc();
  }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool full() const { return size_ == capacity_; }
  std::string_view view() const { return {data_.get(), size_}; }

  // Appends as much of `bytes` as fits; returns how much that was.
  size_t Fill(std::string_view bytes) {
    const size_t n = std::min(bytes.size(), capacity_ - size_);
    if (n > 0) std::memcpy(data_.get() + size_, bytes.data(), n);
    size_ += n;
    return n;
  }
  // For reading into the buffer: the room after its bytes, then how much was put there.
  char* unfilled() { return data_.get() + size_; }
  void Extend(size_t added) { size_ = std::min(capacity_, size_ + added); }
  // Keeps only the bytes from `offset` on, moved to the front.
  void DropFront(size_t offset) {
    offset = std::min(offset, size_);
    std::memmove(data_.get(), data_.get() + offset, size_ - offset);
    size_ -= offset;
  }
  void Clear() { size_ = 0; }

 private:
  struct Free {
    void operator()(char* bytes) const { std::free(bytes); }
  };
  std::unique_ptr<char[], Free> data_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace serval::storage
