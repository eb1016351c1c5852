#include "byte_buffer.h"

#include <algorithm>
#include <cstring>

namespace dlba::dlbad {

void ByteBuffer::consume(std::size_t n) noexcept
{
    begin_ += n;
    if (begin_ >= end_)
        begin_ = end_ = 0;
}

void ByteBuffer::makeRoom(std::size_t n)
{
    if (allocated_ - end_ >= n)
        return;
    if (begin_ > 0) {
        if (size())
            std::memmove(storage_.get(), storage_.get() + begin_, size());
        end_ -= begin_;
        begin_ = 0;
    }
    if (allocated_ - end_ >= n)
        return;
    // Grow to the capacity at once (flow-controlled data), geometrically beyond it (rare:
    // proxy-made heads on a full buffer).
    std::size_t want = std::max({end_ + n, capacity_, allocated_ + allocated_ / 2});
    auto next = std::make_unique_for_overwrite<char[]>(want);
    if (end_)
        std::memcpy(next.get(), storage_.get(), end_);
    storage_ = std::move(next);
    allocated_ = want;
}

void ByteBuffer::append(std::string_view bytes)
{
    if (bytes.empty())
        return;
    makeRoom(bytes.size());
    std::memcpy(storage_.get() + end_, bytes.data(), bytes.size());
    end_ += bytes.size();
}

char* ByteBuffer::writablePtr(std::size_t& len)
{
    std::size_t want = space();
    if (len > want || len == 0)
        len = want;
    if (len == 0)
        return nullptr;
    makeRoom(len);
    return storage_.get() + end_;
}

void ByteBuffer::shrink() noexcept
{
    if (empty()) {
        begin_ = end_ = 0;
        storage_.reset();
        allocated_ = 0;
    }
}

} // namespace dlba::dlbad
