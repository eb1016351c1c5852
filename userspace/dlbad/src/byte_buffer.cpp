#include "byte_buffer.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>
#include <vector>

namespace dlba::dlbad {

namespace {

// Storage of buffers emptied by shrink() (idle keep-alive connections), kept per thread for the
// next request of this loop's connections: without it every keep-alive request allocated and
// freed its connection's input and output buffers (64 KiB and more each), and the allocator
// returned the pages to the kernel now and then, to fault them in again.  Bounded: at most
// kPooled blocks per thread; beyond that shrink() frees as before.
struct Block {
    std::size_t size;
    std::unique_ptr<char[]> storage;
};
constexpr std::size_t kPooled = 32;
thread_local std::vector<Block> pool;

std::unique_ptr<char[]> takePooled(std::size_t size)
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
    std::unique_ptr<char[]> next;
    if (allocated_ == 0)
        next = takePooled(want);
    if (!next)
        next = std::make_unique_for_overwrite<char[]>(want);
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
        if (storage_ && allocated_ == capacity_ && pool.size() < kPooled) {
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
