// The configuration push without corosync: ConfigSync's decisions, and three ConfigPush nodes on
// an in-memory group (every message delivered to every member in one order, as CPG's agreed
// order does) with dlbactl's fake dlba.ko each.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>

#include "config_push/config_push.h"
#include "config_push/config_sync.h"
#include "fake_backend.h"
#include <dlba/nl/error.h>

namespace dlba::arrayd {
namespace {

constexpr const char* kOne = R"(services:
  - service: 10.0.0.10:80/tcp
    buckets: 1024
    servers:
      - {id: 1, addr: 10.0.1.1, mac: "02:00:00:00:01:01"}
)";
constexpr const char* kTwo = R"(services:
  - service: 10.0.0.10:80/tcp
    buckets: 1024
    servers:
      - {id: 1, addr: 10.0.1.1, mac: "02:00:00:00:01:01", weight: 3}
      - {id: 2, addr: 10.0.1.2, mac: "02:00:00:00:01:02"}
)";

ConfigMessage push(std::uint32_t origin, const std::string& text, std::uint64_t request = 1)
{
    return ConfigMessage::make(ConfigMessage::Kind::push, origin, request, 0, text);
}

// ------------------------------------------------------------------ ConfigSync

TEST(ConfigSync, PushesAreNumberedInDeliveryOrder)
{
    ConfigSync a, b;
    // Two pushes at once from nodes 1 and 2: both delivered, in one order, to both nodes.
    for (auto* s : {&a, &b}) {
        EXPECT_EQ(s->on_push(push(1, kOne)).generation, 1u);
        EXPECT_EQ(s->on_push(push(2, kTwo)).generation, 2u);
        EXPECT_EQ(s->latest()->origin, 2u);
        EXPECT_EQ(s->latest()->text, kTwo);
    }
}

TEST(ConfigSync, OfferNewerIsTakenOlderIsAnsweredOnce)
{
    ConfigSync old(AgreedConfig::from(push(1, kOne), 3));
    ConfigSync cur(AgreedConfig::from(push(2, kTwo), 5));
    auto old_offer = old.on_membership();
    auto cur_offer = cur.on_membership();
    ASSERT_TRUE(old_offer && cur_offer);
    EXPECT_EQ(old_offer->generation, 3u);

    auto o = old.on_offer(*cur_offer);
    EXPECT_TRUE(o.adopt);
    EXPECT_EQ(old.latest()->generation, 5u);
    EXPECT_EQ(old.latest()->text, kTwo);
    // cur offered at the membership change already: an older offer needs no answer.
    auto c = cur.on_offer(*old_offer);
    EXPECT_FALSE(c.adopt);
    EXPECT_FALSE(c.answer);
    // After a push (its state moved on since it offered), an older offer is answered, once.
    cur.on_push(push(2, kOne));
    c = cur.on_offer(*old_offer);
    EXPECT_FALSE(c.adopt);
    EXPECT_TRUE(c.answer);
    EXPECT_FALSE(cur.on_offer(*old_offer).answer);
    // Its own offer delivered back: nothing.
    auto same = cur.latest()->offer();
    auto s = cur.on_offer(same);
    EXPECT_FALSE(s.adopt || s.answer);
}

TEST(ConfigSync, EqualGenerationsFromTwoPartitionsPickOneEverywhere)
{
    ConfigSync left(AgreedConfig::from(push(1, kOne), 4));
    ConfigSync right(AgreedConfig::from(push(3, kTwo), 4));
    auto lo = left.on_membership();
    auto ro = right.on_membership();
    // Delivered to both in one order.
    for (auto* s : {&left, &right}) {
        s->on_offer(*lo);
        s->on_offer(*ro);
    }
    EXPECT_EQ(left.latest()->digest, right.latest()->digest);
    EXPECT_EQ(left.latest()->digest, std::max(sha256_hex(kOne), sha256_hex(kTwo)));
}

TEST(ConfigSync, NothingToOfferWithoutAConfiguration)
{
    ConfigSync s;
    EXPECT_FALSE(s.on_membership());
    auto o = s.on_offer(AgreedConfig::from(push(1, kOne), 2).offer());
    EXPECT_TRUE(o.adopt);
    EXPECT_EQ(s.latest()->generation, 2u);
}

// ------------------------------------------------------------------ ConfigPush

// Three nodes of one in-memory CPG group.
class ConfigPushArray : public ::testing::Test {
protected:
    struct Node {
        ArrayConfig config;
        ctl::test::FakeBackend kernel;
        bool kernel_loaded = true;
        std::unique_ptr<ConfigPush> push;
        bool member = true;
    };

    void SetUp() override
    {
        char tmpl[] = "/tmp/arrayd-config-push-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        for (std::uint32_t id = 1; id <= 3; ++id)
            make_node(id);
    }
    void TearDown() override
    {
        nodes_.clear();
        std::filesystem::remove_all(dir_);
    }

    void make_node(std::uint32_t id)
    {
        auto n = std::make_unique<Node>();
        n->config.node = "n" + std::to_string(id);
        for (std::uint32_t i = 1; i <= 3; ++i) {
            NodeConfig nc;
            nc.name = "n" + std::to_string(i);
            nc.id = i;
            n->config.cluster.nodes.push_back(nc);
        }
        n->config.config.control_socket.clear(); // no socket: submit() directly
        n->config.config.state_dir = dir_ + "/n" + std::to_string(id);
        auto* raw = n.get();
        n->push = std::make_unique<ConfigPush>(
            loop_, n->config,
            [this, id](std::string_view m) {
                bus_.emplace_back(id, std::string(m));
                return true;
            },
            [raw]() -> std::unique_ptr<ctl::Backend> {
                if (!raw->kernel_loaded)
                    throw nl::Error(ENOENT, "dlba.ko is not loaded");
                return std::make_unique<ctl::test::BackendProxy>(raw->kernel);
            });
        n->push->start();
        nodes_[id] = std::move(n);
    }

    // Delivers every message sent so far (and those they cause) to the members, in one order.
    void deliver()
    {
        while (!bus_.empty()) {
            auto [from, m] = bus_.front();
            bus_.pop_front();
            if (!nodes_.at(from)->member)
                continue;
            for (auto& [id, n] : nodes_)
                if (n->member)
                    n->push->on_message(from, m);
        }
    }
    void membership()
    {
        for (auto& [id, n] : nodes_)
            if (n->member)
                n->push->on_membership();
        deliver();
    }
    nlohmann::json submit(std::uint32_t id, const std::string& text)
    {
        nlohmann::json answer;
        nodes_.at(id)->push->submit(text, [&](const nlohmann::json& j) { answer = j; });
        deliver();
        return answer;
    }
    Node& node(std::uint32_t id) { return *nodes_.at(id); }
    static std::size_t servers(Node& n)
    {
        std::size_t total = 0;
        for (const auto& [key, svc] : n.kernel.state)
            total += svc.servers.size();
        return total;
    }

    EventLoop loop_;
    std::string dir_;
    std::deque<std::pair<std::uint32_t, std::string>> bus_;
    std::map<std::uint32_t, std::unique_ptr<Node>> nodes_;
};

TEST_F(ConfigPushArray, PushOnOneNodeChangesEveryNode)
{
    auto a = submit(2, kOne);
    EXPECT_EQ(a["result"], "applied") << a.dump();
    EXPECT_EQ(a["generation"], 1);
    EXPECT_EQ(a["digest"], sha256_hex(kOne));
    EXPECT_EQ(a["node"], "n2");
    EXPECT_EQ(a["changes"], 2); // the service, its server
    for (std::uint32_t id = 1; id <= 3; ++id) {
        auto s = node(id).push->status();
        EXPECT_EQ(s["generation"], 1) << id;
        EXPECT_EQ(s["applied_generation"], 1) << id;
        EXPECT_EQ(s["origin"], 2) << id;
        EXPECT_TRUE(s["last_error"].is_null()) << id;
        EXPECT_EQ(servers(node(id)), 1u) << id;
    }
    a = submit(1, kTwo);
    EXPECT_EQ(a["result"], "applied") << a.dump();
    EXPECT_EQ(a["generation"], 2);
    for (std::uint32_t id = 1; id <= 3; ++id) {
        EXPECT_EQ(servers(node(id)), 2u) << id;
        EXPECT_EQ(node(id).push->status()["digest"], sha256_hex(kTwo));
    }
    auto metrics = node(3).push->metrics();
    EXPECT_NE(metrics.find("dlba_arrayd_config_generation 2\n"), std::string::npos);
    EXPECT_NE(metrics.find("dlba_arrayd_config_applies_total 2\n"), std::string::npos);
}

TEST_F(ConfigPushArray, AnInvalidFileIsRefusedAndNothingSent)
{
    auto a = submit(1, "services:\n  - service: 10.0.0.10:80/tcp\n    buckts: 1024\n");
    EXPECT_EQ(a["result"], "refused");
    EXPECT_NE(a["error"].get<std::string>().find("pushed configuration:3:"), std::string::npos)
        << a.dump();
    for (std::uint32_t id = 1; id <= 3; ++id)
        EXPECT_TRUE(node(id).push->status()["generation"].is_null());
}

TEST_F(ConfigPushArray, ANodeThatCannotApplyKeepsItsConfigAndSaysWhy)
{
    submit(1, kOne);
    node(3).kernel_loaded = false;
    auto a = submit(3, kTwo);
    EXPECT_EQ(a["result"], "failed");
    EXPECT_EQ(a["generation"], 2);
    EXPECT_NE(a["error"].get<std::string>().find("dlba.ko is not loaded"), std::string::npos)
        << a.dump();
    auto s = node(3).push->status();
    EXPECT_EQ(s["generation"], 2); // the array's
    EXPECT_EQ(s["applied_generation"], 1);
    EXPECT_EQ(s["failures"], 1);
    EXPECT_EQ(servers(node(3)), 1u);
    // The others applied it.
    EXPECT_EQ(node(1).push->status()["applied_generation"], 2);
    EXPECT_EQ(servers(node(1)), 2u);
    // A failure dlba.ko reports half-way (the second change refused) is reported the same way.
    node(3).kernel_loaded = true;
    node(1).kernel.fail_after = 0;
    a = submit(3, kOne);
    EXPECT_EQ(a["result"], "applied");
    auto s1 = node(1).push->status();
    EXPECT_EQ(s1["applied_generation"], 2);
    EXPECT_NE(s1["last_error"].get<std::string>().find("stopped at"), std::string::npos)
        << s1.dump();
    EXPECT_NE(node(1).push->metrics().find("dlba_arrayd_config_apply_error 1\n"),
              std::string::npos);
}

TEST_F(ConfigPushArray, AJoiningNodeCatchesUpAndARestartedOneAppliesItsState)
{
    node(3).member = false;
    submit(1, kOne);
    submit(2, kTwo);
    EXPECT_TRUE(node(3).push->status()["generation"].is_null());
    node(3).member = true;
    membership();
    EXPECT_EQ(node(3).push->status()["generation"], 2);
    EXPECT_EQ(node(3).push->status()["applied_generation"], 2);
    EXPECT_EQ(servers(node(3)), 2u);

    // Node 1 restarts on a rebooted machine (dlba.ko empty): its state directory has generation 2.
    nodes_.erase(1);
    make_node(1);
    EXPECT_EQ(node(1).push->status()["generation"], 2);
    EXPECT_EQ(node(1).push->status()["applied_generation"], 2);
    EXPECT_EQ(servers(node(1)), 2u);
}

TEST_F(ConfigPushArray, AReloadedModuleGetsTheConfigurationAgain)
{
    submit(1, kTwo);
    node(2).push->module_loaded(); // nothing changed: the planner finds nothing to do
    EXPECT_EQ(node(2).push->status()["last_changes"], 0) << node(2).push->status().dump();
    node(2).kernel.state.clear(); // rmmod; modprobe
    node(2).push->module_loaded();
    EXPECT_EQ(servers(node(2)), 2u);
    EXPECT_EQ(node(2).push->status()["applied_generation"], 1);
    EXPECT_EQ(node(2).push->status()["last_changes"], 3); // the service, its two servers
    // A node that never had a configuration leaves a fresh module alone.
    nodes_.erase(3);
    std::filesystem::remove_all(dir_ + "/n3");
    make_node(3);
    node(3).push->module_loaded();
    EXPECT_EQ(node(3).push->status()["applies"], 0);
    EXPECT_TRUE(node(3).kernel.state.empty());
}

TEST_F(ConfigPushArray, PartitionsMeetAtTheNewest)
{
    submit(1, kOne);
    // Node 3 alone takes two pushes while cut off; nodes 1 and 2 take one.
    node(1).member = node(2).member = false;
    submit(3, kTwo);
    submit(3, kOne);
    node(1).member = node(2).member = true;
    node(3).member = false;
    submit(2, kTwo);
    node(3).member = true;
    membership();
    std::set<std::string> digests;
    for (std::uint32_t id = 1; id <= 3; ++id) {
        EXPECT_EQ(node(id).push->status()["generation"], 3) << id;
        digests.insert(node(id).push->status()["digest"]);
    }
    EXPECT_EQ(digests.size(), 1u);
    EXPECT_EQ(*digests.begin(), sha256_hex(kOne)); // node 3's generation 3
}

TEST_F(ConfigPushArray, ForgedAndBrokenMessagesAreCounted)
{
    // A push from node 2 that claims node 1 as its origin.
    node(1).push->on_message(2, push(1, kOne).encode());
    node(1).push->on_message(2, "dlba-config 1 push garbage");
    auto s = node(1).push->status();
    EXPECT_EQ(s["rejected"], 2);
    EXPECT_TRUE(s["generation"].is_null());
}

} // namespace
} // namespace dlba::arrayd
