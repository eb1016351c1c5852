// apply: diff planning and execution against the fake kernel.
#include "dlba/ctl/config_parser.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/planner.h"
#include "dlba/nl/error.h"
#include "fake_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/dlba.h>

#include <string_view>
#include <utility>

namespace dlba::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> describe(const std::vector<Change>& plan)
{
    std::vector<std::string> out;
    for (const auto& c : plan)
        out.push_back(c.describe());
    return out;
}

Config config(const std::string& text)
{
    return ConfigParser("test.yaml").parse(text);
}

constexpr const char* kBase = R"(services:
  - service: 10.0.0.10:80/tcp
    buckets: 1024
    servers:
      - {id: 1, addr: 10.0.1.1, mac: "02:00:00:00:01:01"}
      - {id: 2, addr: 10.0.1.2, mac: "02:00:00:00:01:02", weight: 2}
  - service: 10.0.0.20:53/udp
    servers:
      - {id: 1, addr: 10.0.2.1, method: nat, port: 5353}
)";

// kBase with each `from` (found once) replaced by its `to`: the file a test applies, written as
// what it changes.
std::string edited(std::initializer_list<std::pair<std::string_view, std::string_view>> edits)
{
    std::string text = kBase;
    for (const auto& [from, to] : edits) {
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " found twice";
        if (at != std::string::npos)
            text.replace(at, from.size(), to);
    }
    return text;
}

// Server 1 of the TCP service moved to 10.0.1.9, server 2 changed its MAC.
constexpr std::pair<std::string_view, std::string_view> kMovedServer1{
    R"(addr: 10.0.1.1, mac: "02:00:00:00:01:01")", R"(addr: 10.0.1.9, mac: "02:00:00:00:01:09")"};
constexpr std::pair<std::string_view, std::string_view> kServer2NewMac{
    R"(mac: "02:00:00:00:01:02")", R"(mac: "02:00:00:00:01:03")"};

class PlannerTest : public ::testing::Test {
protected:
    std::vector<Change> apply(const std::string& text)
    {
        auto plan = Planner::plan(config(text), fake);
        Planner::apply(fake, plan);
        return plan;
    }

    test::FakeBackend fake;
};

TEST_F(PlannerTest, FreshKernelGetsEverythingAddedInOrder)
{
    auto plan = Planner::plan(config(kBase), fake);
    EXPECT_THAT(
        describe(plan),
        ElementsAre(
            "add service 10.0.0.10:80/tcp (buckets 1024, timeout 300, mode forward)",
            "add service 10.0.0.20:53/udp (buckets 65536, timeout 300, mode forward)",
            "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, method dr, mac 02:00:00:00:01:01, "
            "weight 1)",
            "add server 10.0.0.10:80/tcp id 2 (addr 10.0.1.2, method dr, mac 02:00:00:00:01:02, "
            "weight 2)",
            "add server 10.0.0.20:53/udp id 1 (addr 10.0.2.1, method nat, port 5353, weight 1)"));
    Planner::apply(fake, plan);
    EXPECT_EQ(fake.state.size(), 2u);
    auto& svc = fake.state.at(parse_service("10.0.0.10:80/tcp"));
    EXPECT_EQ(svc.info.buckets, 1024u);
    EXPECT_EQ(svc.servers.at(2).weight, 2u);
    EXPECT_EQ(fake.state.at(parse_service("10.0.0.20:53/udp")).servers.at(1).port, 5353);
}

TEST_F(PlannerTest, ReapplyingTheSameFileChangesNothing)
{
    apply(kBase);
    fake.calls.clear();
    EXPECT_THAT(apply(kBase), IsEmpty());
    EXPECT_THAT(fake.calls, IsEmpty());
}

TEST_F(PlannerTest, ChangedFieldsBecomeSetsAndMissingObjectsDeletes)
{
    apply(kBase);
    fake.calls.clear();
    auto plan = apply(R"(services:
  - service: 10.0.0.10:80/tcp
    buckets: 1024
    timeout: 60
    servers:
      - {id: 1, addr: 10.0.1.1, mac: "02:00:00:00:01:01", enabled: no}
      - {id: 3, addr: 10.0.1.3, mac: "02:00:00:00:01:03"}
)");
    EXPECT_THAT(
        describe(plan),
        ElementsAre(
            "del service 10.0.0.20:53/udp (not in the file)",
            "del server 10.0.0.10:80/tcp id 2 (not in the file)",
            "set service 10.0.0.10:80/tcp (timeout 300 -> 60)",
            "set server 10.0.0.10:80/tcp id 1 (enabled yes -> no)",
            "add server 10.0.0.10:80/tcp id 3 (addr 10.0.1.3, method dr, mac 02:00:00:00:01:03, "
            "weight 1)"));
    auto& svc = fake.state.at(parse_service("10.0.0.10:80/tcp"));
    EXPECT_EQ(svc.info.timeout, 60u);
    EXPECT_FALSE(svc.servers.at(1).enabled);
    EXPECT_EQ(svc.servers.count(2), 0u);
    EXPECT_EQ(fake.state.size(), 1u);
}

TEST_F(PlannerTest, SetCarriesOnlyTheChangedFields)
{
    apply(kBase);
    auto plan =
        Planner::plan(config(edited({{R"(mac: "02:00:00:00:01:01"})",
                                      R"(mac: "02:00:00:00:01:01", enabled: false, failed: true})"},
                                     {"weight: 2}", "weight: 5}"}})),
                      fake);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].describe(),
              "set server 10.0.0.10:80/tcp id 1 (enabled yes -> no, failed no -> yes)");
    EXPECT_EQ(plan[0].server_change.enabled, false);
    EXPECT_EQ(plan[0].server_change.failed, true);
    EXPECT_FALSE(plan[0].server_change.weight);
    EXPECT_EQ(plan[1].describe(), "set server 10.0.0.10:80/tcp id 2 (weight 2 -> 5)");
    EXPECT_EQ(plan[1].server_change.weight, 5u);
    EXPECT_FALSE(plan[1].server_change.enabled || plan[1].server_change.failed);
}

TEST_F(PlannerTest, FixedServerFieldsRecreateTheServer)
{
    apply(kBase);
    auto plan = apply(edited({kMovedServer1, kServer2NewMac, {", port: 5353}", "}"}}));
    EXPECT_THAT(
        describe(plan),
        ElementsAre(
            "del server 10.0.0.10:80/tcp id 1 (re-created: addr 10.0.1.1 -> 10.0.1.9, mac "
            "02:00:00:00:01:01 -> 02:00:00:00:01:09)",
            "del server 10.0.0.10:80/tcp id 2 (re-created: mac 02:00:00:00:01:02 -> "
            "02:00:00:00:01:03)",
            // nat port omitted = the service port
            "del server 10.0.0.20:53/udp id 1 (re-created: port 5353 -> 53)",
            "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.9, method dr, mac 02:00:00:00:01:09, "
            "weight 1)",
            "add server 10.0.0.10:80/tcp id 2 (addr 10.0.1.2, method dr, mac 02:00:00:00:01:03, "
            "weight 2)",
            "add server 10.0.0.20:53/udp id 1 (addr 10.0.2.1, method nat, weight 1)"));
    EXPECT_EQ(fake.state.at(parse_service("10.0.0.20:53/udp")).servers.at(1).port, 53);
    EXPECT_THAT(
        Planner::plan(config(edited({kMovedServer1, kServer2NewMac, {"port: 5353", "port: 53"}})),
                      fake),
        IsEmpty());
}

TEST_F(PlannerTest, BucketCountChangeRecreatesTheService)
{
    apply(kBase);
    auto plan = Planner::plan(
        config(edited(
            {{"buckets: 1024", "buckets: 2048"},
             {"      - {id: 2, addr: 10.0.1.2, mac: \"02:00:00:00:01:02\", weight: 2}\n", ""}})),
        fake);
    EXPECT_THAT(
        describe(plan),
        ElementsAre(
            "del service 10.0.0.10:80/tcp (re-created: buckets 1024 -> 2048)",
            "add service 10.0.0.10:80/tcp (buckets 2048, timeout 300, mode forward)",
            "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, method dr, mac 02:00:00:00:01:01, "
            "weight 1)"));
    Planner::apply(fake, plan);
    EXPECT_EQ(fake.state.at(parse_service("10.0.0.10:80/tcp")).info.buckets, 2048u);
    EXPECT_EQ(fake.state.at(parse_service("10.0.0.10:80/tcp")).servers.size(), 1u);
}

TEST_F(PlannerTest, MethodChangeRecreatesTheServer)
{
    apply(kBase);
    auto plan = Planner::plan(config(edited({{R"(addr: 10.0.1.1, mac: "02:00:00:00:01:01"})",
                                              "addr: 10.0.1.1, method: tun}"}})),
                              fake);
    EXPECT_THAT(
        describe(plan),
        ElementsAre("del server 10.0.0.10:80/tcp id 1 (re-created: method dr -> tun)",
                    "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, method tun, weight 1)"));
}

TEST_F(PlannerTest, FailedIsKeptUnlessTheFileSaysSo)
{
    apply(kBase);
    // A health checker marked server 2 failed.
    ServerChange fail;
    fail.id = 2;
    fail.failed = true;
    fake.set_server(parse_service("10.0.0.10:80/tcp"), fail);
    EXPECT_THAT(Planner::plan(config(kBase), fake), IsEmpty());

    EXPECT_THAT(describe(Planner::plan(
                    config(edited({{"weight: 2}", "weight: 2, failed: false}"}})), fake)),
                ElementsAre("set server 10.0.0.10:80/tcp id 2 (failed yes -> no)"));
}

TEST_F(PlannerTest, EmptyFileDeletesEverything)
{
    apply(kBase);
    apply("services: []\n");
    EXPECT_TRUE(fake.state.empty());
}

TEST_F(PlannerTest, ApplyStopsAtTheFirstKernelError)
{
    fake.fail_after = 2;
    auto plan = Planner::plan(config(kBase), fake);
    std::vector<std::string> done;
    try {
        Planner::apply(fake, plan, [&](const Change& c) { done.push_back(c.describe()); });
        FAIL();
    } catch (const nl::Error& e) {
        EXPECT_EQ(e.code(), EINVAL);
    }
    EXPECT_EQ(done.size(), 2u);
    EXPECT_EQ(fake.calls.size(), 2u);
}

TEST_F(PlannerTest, ChangeJsonShape)
{
    auto plan = Planner::plan(config(kBase), fake);
    auto j = plan[2].to_json();
    EXPECT_EQ(j["op"], "add");
    EXPECT_EQ(j["object"], "server");
    EXPECT_EQ(j["service"], "10.0.0.10:80/tcp");
    EXPECT_EQ(j["id"], 1);
    EXPECT_TRUE(j["detail"].is_string());
    EXPECT_FALSE(plan[0].to_json().contains("id"));
}

} // namespace
} // namespace dlba::ctl
