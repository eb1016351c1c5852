// The holder's relay without dlba.ko: the in-memory module of dlbactl's tests for the dumps, a
// generic netlink socket joined to nothing for the notifications, the real event loop.
#include <gtest/gtest.h>

#include <linux/genetlink.h>

#include "dlba/nl/message.h"
#include "sync/bucket_relay.h"
#include "sync/family_watch.h"
#include "sync_test_fixture.h"

namespace dlba::arrayd {
namespace {

using namespace std::chrono_literals;

using test::run_for;
using test::service_key;

class BucketRelayTest : public ::testing::Test {
protected:
    BucketRelayTest()
        : relay_(
              loop_, 20ms, [this](const ctl::ServiceKey&) { return synced_; },
              [this](std::string_view bytes) {
                  sent_.push_back(SyncMessage::decode(bytes));
                  return true;
              },
              stats_, [this] { return std::make_unique<ctl::test::BackendProxy>(fake_); },
              [this](std::uint16_t& family) {
                  ++listens_;
                  family = 0xfff0;
                  return std::make_unique<nl::GenlSocket>();
              })
    {
        test::add_service(fake_, 1);
    }

    EventLoop loop_;
    ctl::test::FakeBackend fake_;
    SyncStats stats_;
    bool synced_ = true;
    std::vector<SyncMessage> sent_;
    int listens_ = 0;
    BucketRelay relay_;
};

TEST_F(BucketRelayTest, RequestsAreCoalescedIntoOneSnapshot)
{
    relay_.set_active(true);
    EXPECT_EQ(listens_, 1);
    relay_.request_snapshot(2);
    relay_.request_snapshot(3);
    relay_.request_snapshot(2);
    EXPECT_TRUE(sent_.empty()); // not at once: the batch window gathers them
    std::size_t after_first = 0;
    Timer later([&] {
        after_first = sent_.size();
        relay_.request_snapshot(3); // a later request: another snapshot, numbered on
    });
    loop_.arm(later, 80ms);
    run_for(loop_, 200ms);
    EXPECT_EQ(after_first, 1u);
    ASSERT_EQ(sent_.size(), 2u);
    EXPECT_TRUE(sent_[0].starts_snapshot());
    ASSERT_EQ(sent_[0].records.size(), 1u);
    EXPECT_EQ(sent_[0].records[0].key, service_key(1));
    EXPECT_TRUE(sent_[1].starts_snapshot());
    EXPECT_EQ(sent_[1].sequence, sent_[0].sequence + 1);
    EXPECT_EQ(stats_.requests_received, 4u);
    EXPECT_EQ(stats_.snapshots_sent, 2u);
}

TEST_F(BucketRelayTest, ASnapshotMeanwhileAnswersTheRequests)
{
    relay_.set_active(true);
    relay_.request_snapshot(2);
    relay_.snapshot("took a VIP group over");
    run_for(loop_, 100ms);
    EXPECT_EQ(sent_.size(), 1u);
    EXPECT_EQ(stats_.requests_received, 1u);
}

TEST_F(BucketRelayTest, AStandbyIgnoresRequests)
{
    relay_.request_snapshot(2);
    // Nor does a relay that stopped holding answer those it had.
    relay_.set_active(true);
    relay_.request_snapshot(2);
    relay_.set_active(false);
    run_for(loop_, 60ms);
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(stats_.requests_received, 1u);
}

TEST_F(BucketRelayTest, ASnapshotOfNoServiceStillGoesOut)
{
    synced_ = false;
    relay_.set_active(true);
    relay_.snapshot("took a VIP group over");
    ASSERT_EQ(sent_.size(), 1u);
    EXPECT_TRUE(sent_[0].starts_snapshot());
    EXPECT_TRUE(sent_[0].records.empty());
}

TEST_F(BucketRelayTest, AReloadedModuleIsListenedToAgainWithASnapshot)
{
    relay_.set_active(true);
    relay_.snapshot("took a VIP group over");
    ASSERT_EQ(sent_.size(), 1u);
    relay_.family_changed(false);
    EXPECT_EQ(sent_.size(), 1u);
    relay_.family_changed(true);
    EXPECT_EQ(listens_, 2); // family and group resolved anew
    ASSERT_EQ(sent_.size(), 2u);
    EXPECT_TRUE(sent_[1].starts_snapshot());
    EXPECT_GT(sent_[1].sequence, sent_[0].sequence);
    // A standby only forgets its socket (it has none).
    relay_.set_active(false);
    relay_.family_changed(true);
    EXPECT_EQ(sent_.size(), 2u);
    EXPECT_EQ(listens_, 2);
}

nl::Message ctrl(std::uint8_t cmd, std::string_view name)
{
    nl::Message m(GENL_ID_CTRL, cmd, 2);
    m.put_str(CTRL_ATTR_FAMILY_NAME, name);
    return m;
}

TEST(FamilyEvent, TellsTheFamilysComingsAndGoings)
{
    EXPECT_EQ(family_event(ctrl(CTRL_CMD_NEWFAMILY, "dlba").header(), "dlba"), true);
    EXPECT_EQ(family_event(ctrl(CTRL_CMD_DELFAMILY, "dlba").header(), "dlba"), false);
    EXPECT_EQ(family_event(ctrl(CTRL_CMD_NEWFAMILY, "dlbax").header(), "dlba"), std::nullopt);
    EXPECT_EQ(family_event(ctrl(CTRL_CMD_NEWMCAST_GRP, "dlba").header(), "dlba"), std::nullopt);
    nl::Message other(0x20, CTRL_CMD_NEWFAMILY, 2); // not the controller
    other.put_str(CTRL_ATTR_FAMILY_NAME, "dlba");
    EXPECT_EQ(family_event(other.header(), "dlba"), std::nullopt);
    nl::Message nameless(GENL_ID_CTRL, CTRL_CMD_DELFAMILY, 2);
    EXPECT_EQ(family_event(nameless.header(), "dlba"), std::nullopt);
}

// The controller's group can be joined without privileges: the watch opens here, and no family
// changes while the test runs.
TEST(FamilyWatch, OpensOnTheControllersGroup)
{
    EventLoop loop;
    std::vector<bool> seen;
    FamilyWatch watch(loop, "dlba-test-none", [&](bool present) { seen.push_back(present); });
    run_for(loop, 20ms);
    EXPECT_TRUE(seen.empty());
}

} // namespace
} // namespace dlba::arrayd
