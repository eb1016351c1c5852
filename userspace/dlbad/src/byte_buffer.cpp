#include "byte_buffer.h"

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
    if (storage_.size() - end_ >= n)
        return;
    if (begin_ > 0) {
        std::memmove(storage_.data(), storage_.data() + begin_, size());
        end_ -= begin_;
        begin_ = 0;
    }
    if (storage_.size() - end_ < n)
        storage_.resize(end_ + n);
}

void ByteBuffer::append(std::string_view bytes)
{
    makeRoom(bytes.size());
    std::memcpy(storage_.data() + end_, bytes.data(), bytes.size());
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
    return storage_.data() + end_;
}

void ByteBuffer::shrink()
{
    if (empty()) {
        begin_ = end_ = 0;
        std::vector<char>().swap(storage_);
    }
}

} // namespace dlba::dlbad
