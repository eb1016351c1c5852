// The bucket-table sync wire format: round trips, splitting, and the strict decoder's refusals.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "sync/sync_message.h"
#include "sync_test_fixture.h"

namespace dlba::arrayd {
namespace {

ctl::ServiceKey v4_key()
{
    return test::service_key(10);
}

ctl::ServiceKey v6_key()
{
    ctl::ServiceKey k;
    k.addr.family = AF_INET6;
    k.addr.bytes = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    k.port = 53;
    k.proto = IPPROTO_UDP;
    return k;
}

SyncMessage sample()
{
    ctl::HashKey hk{};
    for (std::size_t i = 0; i < hk.size(); ++i)
        hk[i] = static_cast<std::uint8_t>(i * 7);
    return {SyncKind::snapshot,
            0x0102030405060708ULL,
            {{v4_key(), 256, 42, 0, {1, 2, 3, 0}, hk}, {v6_key(), 8, 9, 4, {7, 7, 7, 7}, hk}}};
}

TEST(SyncMessage, RoundTrip)
{
    auto m = sample();
    auto bytes = m.encode();
    EXPECT_TRUE(SyncMessage::is_sync(bytes));
    EXPECT_EQ(SyncMessage::record_count(bytes), 2u);
    EXPECT_EQ(SyncMessage::decode(bytes), m);

    SyncMessage d{SyncKind::delta, 5, {{v4_key(), 256, 43, 100, {9}, std::nullopt}}, 3};
    EXPECT_EQ(SyncMessage::decode(d.encode()), d);
    EXPECT_FALSE(d.starts_snapshot());
}

TEST(SyncMessage, ASnapshotOfNothingIsOneMessageOfNoRecord)
{
    std::uint64_t seq = 7;
    auto messages = encode_split(SyncKind::snapshot, seq, 7, {});
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(seq, 8u);
    auto m = SyncMessage::decode(messages[0]);
    EXPECT_TRUE(m.starts_snapshot());
    EXPECT_TRUE(m.records.empty());
    // Deltas of nothing are nothing; a delta or a later part of a snapshot needs a record.
    EXPECT_TRUE(encode_split(SyncKind::delta, seq, 7, {}).empty());
    EXPECT_THROW(SyncMessage::decode(SyncMessage{SyncKind::delta, 9, {}, 7}.encode()),
                 SyncFormatError);
    EXPECT_THROW(SyncMessage::decode(SyncMessage{SyncKind::snapshot, 9, {}, 7}.encode()),
                 SyncFormatError);
}

TEST(SyncMessage, SnapshotRequest)
{
    SyncRequest r{0x01020304};
    auto b = r.encode();
    ASSERT_EQ(b.size(), SyncRequest::kSize);
    EXPECT_TRUE(SyncMessage::is_sync(b));
    EXPECT_TRUE(SyncMessage::is_request(b));
    EXPECT_EQ(b[5], 3);
    EXPECT_EQ(b[8], 4); // the nodeid, low byte first
    EXPECT_EQ(SyncRequest::decode(b), r);
    // Strict both ways: a request is no table message and the other way round.
    EXPECT_THROW(SyncMessage::decode(b), SyncFormatError);
    SyncMessage d{SyncKind::delta, 1, {{v4_key(), 256, 2, 3, {5}, std::nullopt}}};
    EXPECT_FALSE(SyncMessage::is_request(d.encode()));
    EXPECT_THROW(SyncRequest::decode(d.encode()), SyncFormatError);
    EXPECT_THROW(SyncRequest::decode(b + "x"), SyncFormatError);
    for (std::size_t n = 0; n < b.size(); ++n)
        EXPECT_THROW(SyncRequest::decode(b.substr(0, n)), SyncFormatError) << n;
    auto bad = b;
    bad[6] = 1;
    EXPECT_THROW(SyncRequest::decode(bad), SyncFormatError);
    bad = b;
    bad[4] = 1;
    EXPECT_THROW(SyncRequest::decode(bad), SyncFormatError);
}

TEST(SyncMessage, LittleEndianLayout)
{
    SyncMessage d{SyncKind::delta, 2, {{v4_key(), 256, 2, 3, {0x11223344}, std::nullopt}}, 1};
    auto b = d.encode();
    ASSERT_EQ(b.size(), SyncMessage::kHeaderSize + SyncMessage::kRecordHeaderSize + 4);
    EXPECT_EQ(b.substr(0, 4), "DLBS");
    EXPECT_EQ(b[4], 2);  // format
    EXPECT_EQ(b[5], 1);  // delta
    EXPECT_EQ(b[8], 2);  // sequence, low byte first
    EXPECT_EQ(b[16], 1); // base
    EXPECT_EQ(b[24], 1); // one record
    const auto* r = reinterpret_cast<const unsigned char*>(b.data()) + SyncMessage::kHeaderSize;
    EXPECT_EQ(r[0], IPPROTO_TCP);
    EXPECT_EQ(r[1], 4);
    EXPECT_EQ(r[2], 80);
    EXPECT_EQ(r[4], 198);
    EXPECT_EQ(r[44], 0x44); // the id
    EXPECT_EQ(r[47], 0x11);
}

TEST(SyncMessage, StateTextIsNoSyncMessage)
{
    EXPECT_FALSE(SyncMessage::is_sync("dlba-array 1 n1 100 10.0.0.1 -"));
    EXPECT_THROW(SyncMessage::decode("dlba-array 1 n1 100 10.0.0.1 -"), SyncFormatError);
}

void expect_refused(const std::string& bytes, const std::string& reason)
{
    try {
        SyncMessage::decode(bytes);
        ADD_FAILURE() << "accepted, expected: " << reason;
    } catch (const SyncFormatError& e) {
        EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
}

TEST(SyncMessage, EveryTruncationIsRefused)
{
    auto bytes = sample().encode();
    for (std::size_t n = 0; n < bytes.size(); ++n)
        EXPECT_THROW(SyncMessage::decode(bytes.substr(0, n)), SyncFormatError) << n;
}

TEST(SyncMessage, Refusals)
{
    auto good = SyncMessage{SyncKind::delta, 1, {{v4_key(), 256, 2, 3, {5, 6}, std::nullopt}}};
    auto bytes = good.encode();
    const std::size_t r = SyncMessage::kHeaderSize;
    auto with = [&](std::size_t at, char v) {
        auto b = bytes;
        b[at] = v;
        return b;
    };
    expect_refused(bytes + "x", "after the last record");
    expect_refused(with(0, 'X'), "magic");
    expect_refused(with(4, 1), "format");
    expect_refused(with(5, 4), "kind");
    expect_refused(with(5, 3), "snapshot request");
    expect_refused(with(6, 1), "reserved");
    expect_refused(with(16, 2), "base 2 does not precede sequence 1");
    expect_refused(with(16, 1), "base 1 does not precede"); // a delta follows its snapshot
    expect_refused(with(24, 0), "no record");
    expect_refused(with(27, 0x7f), "record count");
    expect_refused(with(r + 0, 1), "protocol");
    expect_refused(with(r + 1, 5), "family");
    expect_refused(with(r + 8, 1), "IPv4 address");
    expect_refused(with(r + 21, 0), "table of no bucket");                    // count 0
    expect_refused(with(r + 36, 0), "record of no bucket");                   // n 0
    expect_refused(with(r + 32, static_cast<char>(255)), "beyond the table"); // start 255, n 2
    expect_refused(with(r + 40, 2), "flags");
    expect_refused(with(r + 41, 1), "padding");
    expect_refused(with(r + 36, 3), "truncated server ids");
    expect_refused(with(r + 40, 1), "truncated hash key");
    // A snapshot must carry the hash key.
    expect_refused(with(5, 2), "hash key");
}

TEST(SyncMessage, SplitKeepsEveryMessageUnderTheBound)
{
    std::vector<std::uint32_t> ids(10000);
    for (std::size_t i = 0; i < ids.size(); ++i)
        ids[i] = static_cast<std::uint32_t>(i % 13);
    ctl::HashKey hk{1, 2, 3};
    std::vector<SyncRecord> records{{v4_key(), 16384, 77, 100, ids, hk},
                                    {v6_key(), 8, 5, 0, {1, 2}, hk}};
    std::uint64_t seq = 10;
    const std::size_t bound = 4096;
    auto messages = encode_split(SyncKind::snapshot, seq, 10, records, bound);
    ASSERT_GT(messages.size(), 9u);
    EXPECT_EQ(seq, 10 + messages.size());
    std::vector<std::uint32_t> joined;
    std::uint32_t next = 100;
    std::uint64_t expect_seq = 10;
    std::size_t v6 = 0;
    for (const auto& b : messages) {
        EXPECT_LE(b.size(), bound);
        auto m = SyncMessage::decode(b);
        EXPECT_EQ(m.sequence, expect_seq++);
        EXPECT_EQ(m.base, 10u);
        for (const auto& r : m.records) {
            EXPECT_EQ(r.hash_key, hk);
            if (r.key == v6_key()) {
                ++v6;
                continue;
            }
            EXPECT_EQ(r.start, next);
            EXPECT_EQ(r.version, 77u);
            EXPECT_EQ(r.count, 16384u);
            next += static_cast<std::uint32_t>(r.ids.size());
            joined.insert(joined.end(), r.ids.begin(), r.ids.end());
        }
    }
    EXPECT_EQ(joined, ids);
    EXPECT_EQ(v6, 1u);
    // The default bound: one message for this, far below corosync's limit.
    EXPECT_EQ(encode_split(SyncKind::snapshot, seq, seq, records).size(), 1u);
}

} // namespace
} // namespace dlba::arrayd
