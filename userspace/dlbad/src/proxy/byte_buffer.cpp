#include "proxy/byte_buffer.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>
#include <vector>

namespace dlba::dlbad {

namespace {

// Storage of buffers emptied by shrink() (idle keep-alive connections) or outgrown, kept per
// thread for this loop's connections: without it every keep-alive request allocated and freed its
// connection's input and output buffers, and the allocator returned the pages to the kernel now
// and then, to fault them in again.  Blocks are reused by exact size (the sizes are few: 4 KiB
// doubling up to each capacity).  Bounded: at most kPooled blocks per thread; beyond that they
// are freed.
struct Block {
    std::size_t size;
    std::unique_ptr<char[]> storage;
};
constexpr std::size_t kPooled = 32;
thread_local std::vector<Block> pool;

std::unique_ptr<char[]> take_pooled(std::size_t size)
{
    for (auto it = pool.rbegin(); it != pool.rend(); ++it) {
        if (it->size == size) {
            auto out = std::move(it->storage);
            pool.erase(std::next(it).base());
            return out;
        }
    }
    return nullptr;
}

} // namespace

void ByteBuffer::consume(std::size_t n) noexcept
{
    begin_ += n;
    if (begin_ >= end_)
        begin_ = end_ = 0;
}

void ByteBuffer::compact() noexcept
{
    if (begin_ == 0)
        return;
    if (size())
        std::memmove(storage_.get(), storage_.get() + begin_, size());
    end_ -= begin_;
    begin_ = 0;
}

std::size_t ByteBuffer::grown_size(std::size_t need) const noexcept
{
    std::size_t next;
    if (allocated_ == 0)
        next = std::min(kInitialAllocation, capacity_);
    else if (allocated_ < capacity_)
        next =
            std::min(allocated_ * 2, capacity_); // flow-controlled data: double up to the capacity
    else
        next = allocated_ + allocated_ / 2; // beyond it (rare: proxy-made heads on a full buffer)
    return std::max(next, need);
}

void ByteBuffer::reallocate(std::size_t bytes)
{
    std::unique_ptr<char[]> next = take_pooled(bytes);
    if (!next)
        next = std::make_unique_for_overwrite<char[]>(bytes);
    const std::size_t held = size();
    if (held)
        std::memcpy(next.get(), storage_.get() + begin_, held);
    begin_ = 0;
    end_ = held;
    // The old block goes back to the pool (it is a size the next connections start with or
    // grow through) or is freed.
    if (storage_ && allocated_ <= capacity_ && pool.size() < kPooled) {
        try {
            pool.push_back(Block{allocated_, std::move(storage_)});
        } catch (const std::bad_alloc&) {
            // freed below instead
        }
    }
    storage_ = std::move(next);
    allocated_ = bytes;
}

void ByteBuffer::make_room(std::size_t n)
{
    if (allocated_ - end_ >= n)
        return;
    compact();
    if (allocated_ - end_ >= n)
        return;
    reallocate(grown_size(end_ + n));
}

void ByteBuffer::append(std::string_view bytes)
{
    if (bytes.empty())
        return;
    make_room(bytes.size());
    std::memcpy(storage_.get() + end_, bytes.data(), bytes.size());
    end_ += bytes.size();
}

char* ByteBuffer::writable_ptr(std::size_t& len)
{
    std::size_t want = space();
    if (len != 0 && len < want)
        want = len;
    len = 0;
    if (want == 0)
        return nullptr;
    if (allocated_ - end_ < want)
        compact();
    if (allocated_ == end_)
        reallocate(grown_size(end_ + 1));
    len = std::min(want, allocated_ - end_);
    return storage_.get() + end_;
}

void ByteBuffer::shrink() noexcept
{
    if (empty()) {
        begin_ = end_ = 0;
        if (storage_ && allocated_ <= capacity_ && pool.size() < kPooled) {
            try {
                pool.push_back(Block{allocated_, std::move(storage_)});
            } catch (const std::bad_alloc&) {
                // freed below instead
            }
        }
        storage_.reset();
        allocated_ = 0;
    }
}

} // namespace dlba::dlbad
