// The standby's side of the bucket-table sync against the in-memory dlba.ko of dlbactl's tests.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "sync/sync_replica.h"
#include "sync_test_fixture.h"

namespace dlba::arrayd {
namespace {

constexpr std::uint32_t kHolder = 2;

using test::service_key;

class SyncReplicaTest : public ::testing::Test {
protected:
    SyncReplicaTest()
        : replica_(
              [this] {
                  ++opens_;
                  return std::make_unique<ctl::test::BackendProxy>(fake_);
              },
              [this](const ctl::ServiceKey& k) -> std::optional<std::uint32_t> {
                  if (k == service_key(9))
                      return std::nullopt; // no VIP group serves it
                  return holder_;
              },
              stats_,
              [this](std::uint32_t nodeid) {
                  requests_.push_back(nodeid);
                  return true;
              },
              [this] { return now_; })
    {
        for (std::uint8_t s : {1, 2}) {
            test::add_service(fake_, s);
            for (std::uint32_t id : {1, 2, 3}) {
                ctl::ServerConfig srv;
                srv.id = id;
                srv.addr.family = AF_INET;
                srv.addr.bytes = {10, 0, 0, static_cast<std::uint8_t>(id)};
                fake_.add_server(service_key(s), srv);
            }
        }
    }

    const ctl::BucketTable& table(std::uint8_t s) { return fake_.state.at(service_key(s)).table; }
    ctl::HashKey hash_key(std::uint8_t s)
    {
        return fake_.state.at(service_key(s)).info.hash_key.value();
    }

    // A whole-table snapshot of service 1 (every bucket on `id`) as one message starting over.
    std::string snapshot(std::uint64_t seq, std::uint64_t version, std::uint32_t id)
    {
        return SyncMessage{
            SyncKind::snapshot,
            seq,
            {{service_key(1), 16, version, 0, std::vector<std::uint32_t>(16, id), hash_key(1)}},
            seq}
            .encode();
    }
    // Bucket `bucket` of service 1 on `id`.
    static std::string delta(std::uint64_t seq, std::uint64_t base, std::uint64_t version,
                             std::uint32_t bucket, std::uint32_t id)
    {
        return SyncMessage{
            SyncKind::delta, seq, {{service_key(1), 16, version, bucket, {id}, std::nullopt}}, base}
            .encode();
    }

    ctl::test::FakeBackend fake_;
    SyncStats stats_;
    std::optional<std::uint32_t> holder_ = kHolder;
    std::vector<std::uint32_t> requests_;
    SyncReplica::Clock::time_point now_{std::chrono::hours(1)};
    int opens_ = 0;
    SyncReplica replica_;
};

TEST_F(SyncReplicaTest, SnapshotAndDeltasMakeTheSameTable)
{
    auto hk = fake_.state.at(service_key(1)).info.hash_key;
    SyncMessage snap{
        SyncKind::snapshot,
        1,
        {{service_key(1), 16, 40, 0, {1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 0, 1}, hk}},
        1};
    replica_.receive(kHolder, snap.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 0, 1}));
    EXPECT_EQ(table(1).version, 40u);
    SyncMessage delta{SyncKind::delta, 2, {{service_key(1), 16, 41, 14, {2, 2}, std::nullopt}}, 1};
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 2, 3, 1, 2, 3, 0, 1, 1, 2, 3, 1, 2, 3, 2, 2}));
    EXPECT_EQ(table(1).version, 41u);
    EXPECT_EQ(stats_.messages_applied, 2u);
    EXPECT_EQ(stats_.snapshots_applied, 1u);
    EXPECT_EQ(stats_.records_applied, 2u);
    EXPECT_EQ(stats_.errors, 0u);
    EXPECT_EQ(stats_.versions.at("198.18.100.1:80/tcp"), 41u);
    EXPECT_EQ(stats_.gaps, 0u);
    EXPECT_TRUE(requests_.empty());
    EXPECT_TRUE(replica_.following(kHolder));
}

TEST_F(SyncReplicaTest, OnlyTheHolderOfTheGroupIsApplied)
{
    SyncMessage delta{SyncKind::delta,
                      1,
                      {{service_key(1), 16, 5, 0, {3}, std::nullopt},
                       {service_key(9), 16, 5, 0, {3}, std::nullopt}}};
    replica_.receive(kHolder + 1, delta.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.ignored, 2u);
    holder_.reset(); // nobody holds it (or this node does)
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.ignored, 4u);
    EXPECT_EQ(stats_.messages_applied, 0u);
    // Not a source of anything here: its sequence does not matter.
    EXPECT_EQ(stats_.gaps, 0u);
    EXPECT_TRUE(requests_.empty());
}

TEST_F(SyncReplicaTest, ProblemsOfOneServiceLeaveTheRestApplied)
{
    replica_.receive(kHolder, SyncMessage{SyncKind::snapshot, 1, {}, 1}.encode());
    SyncMessage delta{
        SyncKind::delta,
        2,
        {{service_key(5), 16, 5, 0, {1}, std::nullopt},             // missing here
         {service_key(2), 32, 5, 0, {1}, std::nullopt},             // another bucket count
         {service_key(1), 16, 7, 0, {1, 9, 2, 9, 3}, std::nullopt}, // 9: unknown server
         {service_key(2), 16, 6, 15, {3}, std::nullopt}},
        1};
    replica_.receive(kHolder, delta.encode());
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(table(2).assign[15], 3u);
    EXPECT_EQ(table(2).version, 6u);
    EXPECT_EQ(stats_.errors, 3u);
    EXPECT_EQ(stats_.records_applied, 2u);
    EXPECT_NE(stats_.last_error.find("198.18.100.1:80/tcp"), std::string::npos);
    // Refusals of the configuration here are no gap: a snapshot would not help.
    EXPECT_EQ(stats_.gaps, 0u);
    EXPECT_TRUE(replica_.following(kHolder));
}

TEST_F(SyncReplicaTest, ASnapshotUnderAnotherHashKeyIsRefused)
{
    ctl::HashKey other{9, 9, 9};
    SyncMessage snap{SyncKind::snapshot,
                     1,
                     {{service_key(1), 16, 40, 0, std::vector<std::uint32_t>(16, 1), other}},
                     1};
    replica_.receive(kHolder, snap.encode());
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.errors, 1u);
    EXPECT_NE(stats_.last_error.find("hash key"), std::string::npos);
    EXPECT_EQ(stats_.snapshots_applied, 0u);
    // Not applied here: a gap.
    EXPECT_EQ(stats_.gaps, 1u);
    EXPECT_EQ(requests_, std::vector<std::uint32_t>{kHolder});
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
    replica.receive(kHolder, snapshot(1, 5, 1));
    EXPECT_EQ(stats.errors, 1u);
    EXPECT_EQ(stats.messages_applied, 0u);
    EXPECT_EQ(stats.gaps, 1u);
    EXPECT_FALSE(replica.following(kHolder));
}

TEST_F(SyncReplicaTest, ADeltaBeforeAnySnapshotIsAGap)
{
    replica_.receive(kHolder, delta(5, 3, 7, 0, 2));
    EXPECT_EQ(table(1).assign[0], 0u);
    EXPECT_EQ(stats_.gaps, 1u);
    EXPECT_EQ(requests_, std::vector<std::uint32_t>{kHolder});
    EXPECT_EQ(stats_.requests_sent, 1u);
    EXPECT_FALSE(replica_.following(kHolder));
    // The snapshot asked for: followed from there on.
    replica_.receive(kHolder, snapshot(9, 8, 3));
    replica_.receive(kHolder, delta(10, 9, 9, 0, 2));
    EXPECT_EQ(table(1).assign[0], 2u);
    EXPECT_EQ(table(1).assign[1], 3u);
    EXPECT_EQ(table(1).version, 9u);
    EXPECT_EQ(stats_.gaps, 1u);
}

TEST_F(SyncReplicaTest, ALostMessageStopsTheDeltasUntilTheNextSnapshot)
{
    replica_.receive(kHolder, snapshot(1, 10, 1));
    replica_.receive(kHolder, delta(2, 1, 11, 0, 2));
    EXPECT_EQ(table(1).assign[0], 2u);
    replica_.receive(kHolder, delta(4, 1, 13, 1, 3)); // 3 is lost
    EXPECT_EQ(table(1).assign[1], 1u);
    EXPECT_EQ(stats_.gaps, 1u);
    EXPECT_EQ(requests_.size(), 1u);
    // Later deltas wait too; asked again only after a while, then less and less often.
    replica_.receive(kHolder, delta(5, 1, 14, 2, 3));
    EXPECT_EQ(table(1).assign[2], 1u);
    EXPECT_EQ(requests_.size(), 1u);
    now_ += std::chrono::milliseconds(1100);
    replica_.receive(kHolder, delta(6, 1, 15, 2, 3));
    EXPECT_EQ(requests_.size(), 2u);
    now_ += std::chrono::milliseconds(1100); // the next one is 2 s after the last
    replica_.receive(kHolder, delta(7, 1, 16, 2, 3));
    EXPECT_EQ(requests_.size(), 2u);
    now_ += std::chrono::milliseconds(1000);
    replica_.receive(kHolder, delta(8, 1, 17, 2, 3));
    EXPECT_EQ(requests_.size(), 3u);
    EXPECT_EQ(stats_.gaps, 1u); // one gap, however long it lasts
    EXPECT_EQ(table(1).version, 11u);
    // A snapshot's first message starts over; its later parts follow in sequence.
    replica_.receive(kHolder, snapshot(20, 30, 3));
    SyncMessage part{SyncKind::snapshot,
                     21,
                     {{service_key(2), 16, 31, 0, std::vector<std::uint32_t>(16, 2), hash_key(2)}},
                     20};
    replica_.receive(kHolder, part.encode());
    EXPECT_EQ(table(2).version, 31u);
    replica_.receive(kHolder, delta(22, 20, 32, 0, 1));
    EXPECT_EQ(table(1).assign,
              (std::vector<std::uint32_t>{1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}));
    EXPECT_TRUE(replica_.following(kHolder));
    EXPECT_EQ(stats_.gaps, 1u);
}

TEST_F(SyncReplicaTest, ADeltaOfAnotherSnapshotIsAGap)
{
    replica_.receive(kHolder, snapshot(4, 10, 1));
    replica_.receive(kHolder, delta(5, 2, 11, 0, 2)); // in sequence, but after another snapshot
    EXPECT_EQ(table(1).assign[0], 1u);
    EXPECT_EQ(stats_.gaps, 1u);
    // A later part of a snapshot whose first part was not seen is a gap too.
    SyncStats stats;
    std::vector<std::uint32_t> asked;
    SyncReplica other([this] { return std::make_unique<ctl::test::BackendProxy>(fake_); },
                      [](const ctl::ServiceKey&) { return std::optional<std::uint32_t>(kHolder); },
                      stats,
                      [&](std::uint32_t id) {
                          asked.push_back(id);
                          return true;
                      });
    auto before = table(2);
    SyncMessage part{SyncKind::snapshot,
                     8,
                     {{service_key(2), 16, 31, 0, std::vector<std::uint32_t>(16, 2), hash_key(2)}},
                     7};
    other.receive(kHolder, part.encode());
    EXPECT_EQ(table(2).assign, before.assign);
    EXPECT_EQ(stats.gaps, 1u);
    EXPECT_EQ(asked, std::vector<std::uint32_t>{kHolder});
}

TEST_F(SyncReplicaTest, AFailureToApplyHereIsAGap)
{
    replica_.receive(kHolder, snapshot(1, 10, 1));
    fake_.fail_after = 0; // dlba.ko refuses the next buckets-set
    replica_.receive(kHolder, delta(2, 1, 11, 0, 2));
    EXPECT_EQ(stats_.gaps, 1u);
    EXPECT_EQ(requests_.size(), 1u);
    replica_.receive(kHolder, delta(3, 1, 12, 1, 2)); // in sequence, but the table missed one
    EXPECT_EQ(table(1).assign[1], 1u);
    replica_.receive(kHolder, snapshot(4, 12, 2));
    EXPECT_EQ(table(1).assign[0], 2u);
    EXPECT_TRUE(replica_.following(kHolder));
}

TEST_F(SyncReplicaTest, AReloadedModuleIsOpenedAgainAndAsksForASnapshot)
{
    replica_.receive(kHolder, snapshot(1, 10, 1));
    EXPECT_EQ(opens_, 1);
    replica_.family_changed(false); // unloaded: nothing to ask for yet
    EXPECT_TRUE(requests_.empty());
    EXPECT_FALSE(replica_.following(kHolder));
    replica_.receive(kHolder, delta(2, 1, 11, 0, 2));
    EXPECT_TRUE(requests_.empty());
    replica_.family_changed(true); // loaded again: empty, ask at once
    EXPECT_EQ(requests_, std::vector<std::uint32_t>{kHolder});
    EXPECT_EQ(stats_.gaps, 1u);
    replica_.receive(kHolder, snapshot(3, 11, 2));
    EXPECT_EQ(opens_, 2); // resolved again
    EXPECT_EQ(table(1).assign[0], 2u);
    EXPECT_TRUE(replica_.following(kHolder));
}

} // namespace
} // namespace dlba::arrayd
