// dlba-arrayd's status document and Prometheus text.
#include <gtest/gtest.h>

#include "status/array_status.h"
#include "sync/sync_stats.h"

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
    v.arp_replies = 7;
    v.na_replies = 3;
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
    EXPECT_EQ(j["vips"][0]["arp_replies"], 7);
    EXPECT_EQ(j["vips"][0]["na_replies"], 3);
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
    EXPECT_NE(text.find("dlba_arrayd_vip_arp_replies_total{group=\"web\"} 7\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_vip_na_replies_total{group=\"web\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("dlba_arrayd_vip_holder_since_seconds{group=\"web\"} 1700000000\n"),
              std::string::npos);
}

TEST(SyncStatus, JsonAndPrometheus)
{
    SyncStats st;
    st.messages_sent = 3;
    st.records_applied = 7;
    st.snapshots_sent = 1;
    st.ignored = 2;
    st.lost_notifications = 1;
    st.gaps = 4;
    st.requests_sent = 5;
    st.requests_received = 6;
    st.module_reloads = 1;
    st.versions["198.18.100.10:80/tcp"] = 42;
    auto j = sync_status_json(st, "source");
    EXPECT_EQ(j["role"], "source");
    EXPECT_EQ(j["messages_sent"], 3);
    EXPECT_EQ(j["records_applied"], 7);
    EXPECT_EQ(j["ignored"], 2);
    EXPECT_EQ(j["gaps"], 4);
    EXPECT_EQ(j["snapshot_requests_sent"], 5);
    EXPECT_EQ(j["snapshot_requests_received"], 6);
    EXPECT_EQ(j["module_reloads"], 1);
    EXPECT_TRUE(j["last_error"].is_null());
    EXPECT_EQ(j["services"]["198.18.100.10:80/tcp"]["version"], 42);
    st.error("boom");
    EXPECT_EQ(sync_status_json(st, "off")["last_error"], "boom");
    EXPECT_EQ(st.errors, 1u);
    auto p = sync_prometheus(st, "replica");
    EXPECT_NE(p.find("dlba_arrayd_sync_role{role=\"replica\"} 1\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_role{role=\"source\"} 0\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_messages_sent_total 3\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_errors_total 1\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_gaps_total 4\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_snapshot_requests_sent_total 5\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_snapshot_requests_received_total 6\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_module_reloads_total 1\n"), std::string::npos);
    EXPECT_NE(p.find("dlba_arrayd_sync_version{service=\"198.18.100.10:80/tcp\"} 42\n"),
              std::string::npos);
}

} // namespace
} // namespace dlba::arrayd
