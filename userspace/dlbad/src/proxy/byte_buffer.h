#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace dlba::dlbad {

// A FIFO of bytes with a soft capacity used for flow control: readers ask for free space
// (writable_ptr) which never exceeds the capacity, so a socket is only read while there is room;
// append() of proxy-generated data (rewritten heads) may go beyond it.
//
// Memory follows the data, not the capacity: the first byte allocates kInitialAllocation (or the
// capacity if smaller) and the allocation doubles, up to the capacity, only when it is full.  A
// client that sends one byte and waits (slowloris) holds 4 KiB, not a whole 64 KiB buffer;
// shrink() gives the memory back when the buffer is drained.
class ByteBuffer {
public:
    static constexpr std::size_t kInitialAllocation = 4096;

    explicit ByteBuffer(std::size_t capacity) : capacity_(capacity) {}

    [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }
    [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    // A new soft capacity (a connection following a reload between requests): bytes held stay,
    // even beyond it; only what is read next is bounded by it.
    void set_capacity(std::size_t capacity) noexcept { capacity_ = capacity; }
    [[nodiscard]] bool full() const noexcept { return size() >= capacity_; }
    // Room left below the capacity.
    [[nodiscard]] std::size_t space() const noexcept { return full() ? 0 : capacity_ - size(); }

    [[nodiscard]] const char* data() const noexcept { return storage_.get() + begin_; }
    [[nodiscard]] std::string_view view() const noexcept { return {data(), size()}; }

    void consume(std::size_t n) noexcept;
    void clear() noexcept { begin_ = end_ = 0; }
    void append(std::string_view bytes);

    // Contiguous free space at the tail, at most space() bytes (and at most len when len is not
    // 0), compacting if needed; the allocation grows only when it has no free byte left, so the
    // space offered may be less than space().  len is set to its size; nullptr when space() is 0.
    // Write into it, then commit() what was written.
    char* writable_ptr(std::size_t& len);
    void commit(std::size_t n) noexcept { end_ += n; }

    // Drop the memory of an empty buffer (idle keep-alive connections).
    void shrink() noexcept;

    // Bytes of memory held (0 until the first write and after shrink()).
    [[nodiscard]] std::size_t allocated() const noexcept { return allocated_; }

private:
    void compact() noexcept;
    void make_room(std::size_t n);
    // Size of the next allocation, one that holds at least `need` bytes.
    [[nodiscard]] std::size_t grown_size(std::size_t need) const noexcept;
    void reallocate(std::size_t bytes);

    std::unique_ptr<char[]> storage_; // not zero-filled: only [begin_, end_) is ever read
    std::size_t allocated_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t capacity_;
};

} // namespace dlba::dlbad
