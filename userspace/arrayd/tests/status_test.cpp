// dlba-arrayd's status document and Prometheus text.
#include <gtest/gtest.h>

#include "status/array_status.h"

namespace dlba::arrayd {
namespace {

ArrayStatus sample()
{
    ArrayStatus s;
    s.node = "n1";
    s.nodeid = 1;
    s.quorate = true;
    s.members = {{"n1", 1, 100, "10.77.0.1", {"web"}}, {"n2", 2, 100, "10.77.0.2", {}}};
    VipStatus v;
    v.name = "web";
    v.interface = "eth1";
    v.addresses = {"198.18.100.10/32"};
    v.holder = "n1";
    v.since = std::chrono::system_clock::from_time_t(1700000000);
    v.active = true;
    v.takeovers = 2;
    v.announcements = 10;
    s.vips = {v};
    return s;
}

TEST(ArrayStatus, Json)
{
    auto j = status_json(sample());
    EXPECT_EQ(j["node"], "n1");
    EXPECT_EQ(j["quorate"], true);
    ASSERT_EQ(j["members"].size(), 2u);
    EXPECT_EQ(j["members"][0]["holds"][0], "web");
    EXPECT_EQ(j["vips"][0]["holder"], "n1");
    EXPECT_EQ(j["vips"][0]["since"], "2023-11-14T22:13:20Z");
    EXPECT_EQ(j["vips"][0]["takeovers"], 2);
    auto s = sample();
    s.vips[0].holder.reset();
    EXPECT_TRUE(status_json(s)["vips"][0]["holder"].is_null());
}

TEST(ArrayStatus, Prometheus)
{
    auto text = status_prometheus(sample());
    EXPECT_NE(text.find("dlba_arrayd_quorate 1\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_members 2\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_vip_active{group=\"web\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_vip_takeovers_total{group=\"web\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_vip_holder_since_seconds{group=\"web\"} 1700000000\n"),
              std::string::npos);
}

} // namespace
} // namespace dlba::arrayd
