#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace dlba::dlbad {

// A FIFO of bytes with a soft capacity used for flow control: readers ask for free space
// (writableSpan) which never exceeds the capacity, so a socket is only read while there is room;
// append() of proxy-generated data (rewritten heads) may go beyond it.
class ByteBuffer {
public:
    explicit ByteBuffer(std::size_t capacity) : capacity_(capacity) {}

    [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }
    [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] bool full() const noexcept { return size() >= capacity_; }
    // Room left below the capacity.
    [[nodiscard]] std::size_t space() const noexcept { return full() ? 0 : capacity_ - size(); }

    [[nodiscard]] const char* data() const noexcept { return storage_.get() + begin_; }
    [[nodiscard]] std::string_view view() const noexcept { return {data(), size()}; }

    void consume(std::size_t n) noexcept;
    void clear() noexcept { begin_ = end_ = 0; }
    void append(std::string_view bytes);

    // Contiguous free space of at most space() bytes at the tail (compacting if needed); write
    // into it, then commit() what was written.
    char* writablePtr(std::size_t& len);
    void commit(std::size_t n) noexcept { end_ += n; }

    // Drop the memory of an empty buffer (idle keep-alive connections).
    void shrink() noexcept;

private:
    void makeRoom(std::size_t n);

    std::unique_ptr<char[]> storage_; // not zero-filled: only [begin_, end_) is ever read
    std::size_t allocated_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t capacity_;
};

} // namespace dlba::dlbad
