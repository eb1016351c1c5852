// The standby's side of the bucket-table sync against the in-memory dlba.ko of dlbactl's tests.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "fake_backend.h"
#include "sync/sync_replica.h"

namespace dlba::arrayd {
namespace {

constexpr std::uint32_t kHolder = 2;

ctl::ServiceKey key(std::uint8_t last)
{
    ctl::ServiceKey k;
    k.addr.family = AF_INET;
    k.addr.bytes = {198, 18, 100, last};
    k.port = 80;
    k.proto = IPPROTO_TCP;
    return k;
}

class SyncReplicaTest : public ::testing::Test {
protected:
    SyncReplicaTest()
        : replica_([this] { return std::make_unique<ctl::test::BackendProxy>(fake_); },
                   [this](const ctl::ServiceKey& k) -> std::optional<std::uint32_t> {
                       if (k == key(9))
                           return std::nullopt; // no VIP group serves it
                       return holder_;
                   },
                   stats_)
    {
        for (std::uint8_t s : {1, 2}) {
            ctl::ServiceConfig c;
            c.key = key(s);
            c.buckets = 16;
            fake_.add_service(c);
            for (std::uint32_t id : {1, 2, 3}) {
                ctl::ServerConfig srv;
                srv.id = id;
                srv.addr.family = AF_INET;
                srv.addr.bytes = {10, 0, 0, static_cast<std::uint8_t>(id)};
                fake_.add_server(key(s), srv);
            }
        }
    }

    const ctl::BucketTable& table(std::uint8_t s) { return fake_.state.at(key(s)).table; }

    ctl::test::FakeBackend fake_;
    SyncStats stats_;
    std::optional<std::uint32_t> holder_ = kHolder;
    SyncReplica replica_;
};

TEST_F(SyncReplicaTest, SnapshotAndDeltasMakeTheSameTable)
{
    auto hk = fake_.state.at(key(1)).info.hash_key;
    SyncMessage snap{SyncKind::snapshot,
                     1,
                     {{key(1), 16, 40, 0, {1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 0, 1}, hk}}};
    replica_.receive(kHolder, snap.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 0, 1}));
    EXPECT_EQ(table(1).version, 40u);
    SyncMessage delta{SyncKind::delta, 2, {{key(1), 16, 41, 14, {2, 2}, std::nullopt}}};
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 2, 2}));
    EXPECT_EQ(table(1).version, 41u);
    EXPECT_EQ(stats_.messages_applied, 2u);
    EXPECT_EQ(stats_.snapshots_applied, 1u);
    EXPECT_EQ(stats_.records_applied, 2u);
    EXPECT_EQ(stats_.errors, 0u);
    EXPECT_EQ(stats_.versions.at("198.18.100.1:80/tcp"), 41u);
}

TEST_F(SyncReplicaTest, OnlyTheHolderOfTheGroupIsApplied)
{
    SyncMessage delta{
        SyncKind::delta,
        1,
        {{key(1), 16, 5, 0, {3}, std::nullopt}, {key(9), 16, 5, 0, {3}, std::nullopt}}};
    replica_.receive(kHolder + 1, delta.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.ignored, 2u);
    holder_.reset(); // nobody holds it (or this node does)
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.ignored, 4u);
    EXPECT_EQ(stats_.messages_applied, 0u);
}

TEST_F(SyncReplicaTest, ProblemsOfOneServiceLeaveTheRestApplied)
{
    SyncMessage delta{SyncKind::delta,
                      1,
                      {{key(5), 16, 5, 0, {1}, std::nullopt},             // missing here
                       {key(2), 32, 5, 0, {1}, std::nullopt},             // another bucket count
                       {key(1), 16, 7, 0, {1, 9, 2, 9, 3}, std::nullopt}, // 9: unknown server
                       {key(2), 16, 6, 15, {3}, std::nullopt}}};
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(table(2).assign[15], 3u);
    EXPECT_EQ(table(2).version, 6u);
    EXPECT_EQ(stats_.errors, 3u);
    EXPECT_EQ(stats_.records_applied, 2u);
    EXPECT_NE(stats_.last_error.find("198.18.100.1:80/tcp"), std::string::npos);
}

TEST_F(SyncReplicaTest, ASnapshotUnderAnotherHashKeyIsRefused)
{
    ctl::HashKey other{9, 9, 9};
    SyncMessage snap{
        SyncKind::snapshot, 1, {{key(1), 16, 40, 0, std::vector<std::uint32_t>(16, 1), other}}};
    replica_.receive(kHolder, snap.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.errors, 1u);
    EXPECT_NE(stats_.last_error.find("hash key"), std::string::npos);
    EXPECT_EQ(stats_.snapshots_applied, 0u);
}

TEST_F(SyncReplicaTest, MalformedMessagesAreCounted)
{
    replica_.receive(kHolder, std::string("DLBS\x01\x01", 6));
    EXPECT_EQ(stats_.errors, 1u);
    EXPECT_NE(stats_.last_error.find("truncated header"), std::string::npos);
}

TEST_F(SyncReplicaTest, WithoutTheModuleNothingIsApplied)
{
    SyncStats stats;
    SyncReplica replica(
        []() -> std::unique_ptr<ctl::Backend> { throw std::runtime_error("no dlba.ko"); },
        [](const ctl::ServiceKey&) { return std::optional<std::uint32_t>(kHolder); }, stats);
    SyncMessage delta{SyncKind::delta, 1, {{key(1), 16, 5, 0, {1}, std::nullopt}}};
    replica.receive(kHolder, delta.encode());
    EXPECT_EQ(stats.errors, 1u);
    EXPECT_EQ(stats.messages_applied, 0u);
}

} // namespace
} // namespace dlba::arrayd
