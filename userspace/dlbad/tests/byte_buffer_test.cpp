// ByteBuffer's memory follows its data: a small first allocation that doubles up to the
// capacity only when full, compaction before growth, and memory given back by shrink().
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "proxy/byte_buffer.h"

namespace dlba::dlbad {
namespace {

// Fills the whole free space writable_ptr() offers with `c`; returns how much that was.
std::size_t fill_once(ByteBuffer& b, char c)
{
    std::size_t len = 0;
    char* p = b.writable_ptr(len);
    if (!p)
        return 0;
    std::memset(p, c, len);
    b.commit(len);
    return len;
}

TEST(ByteBuffer, FirstByteAllocatesFourKibNotTheCapacity)
{
    ByteBuffer b(64 * 1024);
    EXPECT_EQ(b.allocated(), 0u) << "nothing before the first write";
    std::size_t len = 0;
    char* p = b.writable_ptr(len);
    ASSERT_NE(p, nullptr);
    // A slowloris client that sends one byte must not cost a whole 64 KiB buffer.
    EXPECT_EQ(len, 4096u);
    EXPECT_EQ(b.allocated(), 4096u);
    p[0] = 'G';
    b.commit(1);
    EXPECT_EQ(b.view(), "G");
    EXPECT_EQ(b.space(), 64u * 1024 - 1) << "flow control still sees the whole capacity";
}

TEST(ByteBuffer, GrowsGeometricallyOnlyWhenFullUpToTheCapacity)
{
    ByteBuffer b(64 * 1024);
    std::string expect;
    const std::size_t steps[] = {4096, 4096, 8192, 16384, 32768}; // 4 -> 8 -> 16 -> 32 -> 64 KiB
    const std::size_t allocs[] = {4096, 8192, 16384, 32768, 65536};
    for (std::size_t i = 0; i < std::size(steps); ++i) {
        const char c = static_cast<char>('a' + i);
        EXPECT_EQ(fill_once(b, c), steps[i]) << "step " << i;
        EXPECT_EQ(b.allocated(), allocs[i]) << "step " << i;
        expect.append(steps[i], c);
    }
    EXPECT_EQ(b.size(), 64u * 1024);
    EXPECT_TRUE(b.full());
    EXPECT_EQ(b.view(), expect) << "data kept across every growth";
    std::size_t len = 0;
    EXPECT_EQ(b.writable_ptr(len), nullptr) << "never beyond the capacity";
    EXPECT_EQ(len, 0u);
    EXPECT_EQ(b.allocated(), 64u * 1024);
}

TEST(ByteBuffer, PartialFillDoesNotGrow)
{
    ByteBuffer b(64 * 1024);
    std::size_t len = 0;
    b.writable_ptr(len);
    b.commit(100);
    len = 0;
    ASSERT_NE(b.writable_ptr(len), nullptr);
    EXPECT_EQ(len, 4096u - 100) << "the free tail, not a bigger block";
    EXPECT_EQ(b.allocated(), 4096u);
}

TEST(ByteBuffer, CompactsBeforeGrowing)
{
    ByteBuffer b(64 * 1024);
    fill_once(b, 'x');
    b.consume(4000);
    std::size_t len = 0;
    char* p = b.writable_ptr(len);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(len, 4000u);
    EXPECT_EQ(b.allocated(), 4096u) << "consumed room reused, no growth";
    EXPECT_EQ(b.view(), std::string(96, 'x'));
}

TEST(ByteBuffer, RequestedLengthBoundsTheSpaceOffered)
{
    ByteBuffer b(64 * 1024);
    std::size_t len = 10;
    ASSERT_NE(b.writable_ptr(len), nullptr);
    EXPECT_EQ(len, 10u);
}

TEST(ByteBuffer, SmallCapacityAllocatesOnlyTheCapacity)
{
    ByteBuffer b(100);
    EXPECT_EQ(fill_once(b, 'x'), 100u);
    EXPECT_EQ(b.allocated(), 100u);
    std::size_t len = 0;
    EXPECT_EQ(b.writable_ptr(len), nullptr);
}

TEST(ByteBuffer, AppendMayGoBeyondTheCapacity)
{
    ByteBuffer b(4096);
    const std::string head(10000, 'h');
    b.append(head);
    b.append("tail");
    EXPECT_EQ(b.view(), head + "tail");
    EXPECT_GE(b.allocated(), b.size());
    EXPECT_EQ(b.space(), 0u);
}

TEST(ByteBuffer, AppendGrowsStepByStep)
{
    ByteBuffer b(64 * 1024);
    b.append("abc");
    EXPECT_EQ(b.allocated(), 4096u);
    b.append(std::string(5000, 'd'));
    EXPECT_EQ(b.allocated(), 8192u);
    EXPECT_EQ(b.size(), 5003u);
}

TEST(ByteBuffer, ShrinkGivesTheMemoryBackWhenDrained)
{
    ByteBuffer b(64 * 1024);
    for (int i = 0; i < 3; ++i)
        fill_once(b, 'x');
    EXPECT_EQ(b.allocated(), 16u * 1024);
    b.shrink();
    EXPECT_EQ(b.allocated(), 16u * 1024) << "not while it holds data";
    b.consume(b.size());
    b.shrink();
    EXPECT_EQ(b.allocated(), 0u);
    EXPECT_TRUE(b.empty());
    // The next request starts small again.
    std::size_t len = 0;
    ASSERT_NE(b.writable_ptr(len), nullptr);
    EXPECT_EQ(len, 4096u);
    EXPECT_EQ(b.allocated(), 4096u);
}

// A connection following a reload between requests: bytes held stay, the new capacity bounds what
// is read next.
TEST(ByteBuffer, NewCapacityKeepsBytesAndBoundsTheNextReads)
{
    ByteBuffer b(8);
    b.append("abcdef");
    b.set_capacity(4);
    EXPECT_EQ(b.view(), "abcdef");
    EXPECT_TRUE(b.full());
    std::size_t len = 0;
    EXPECT_EQ(b.writable_ptr(len), nullptr);
    b.set_capacity(10);
    EXPECT_EQ(b.space(), 4u);
    len = 0;
    ASSERT_NE(b.writable_ptr(len), nullptr);
    EXPECT_LE(len, 4u);
}

} // namespace
} // namespace dlba::dlbad
