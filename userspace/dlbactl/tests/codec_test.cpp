// dlba attribute encoding: requests as the kernel will parse them, and
// replies as the kernel builds them.
#include "dlba/ctl/bucket_assembler.h"
#include "dlba/ctl/codec.h"
#include "dlba/ctl/parse.h"
#include "dlba/nl/ack.h"
#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"

#include <gtest/gtest.h>
#include <linux/dlba.h>
#include <linux/genetlink.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <string>

namespace dlba::ctl {
namespace {

constexpr uint16_t kFamily = 0x1d;

nl::Attrs svc_nest(const nl::Message& msg)
{
    return nl::Attrs::parse(msg.header(), GENL_HDRLEN, DLBA_A_MAX)
        .nest(DLBA_A_SERVICE, DLBA_SVC_A_MAX);
}

TEST(Codec, ServiceConfigRequest)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVICE_NEW, DLBA_GENL_VERSION);
    ServiceConfig c{parse_service("[fd00::10]:80/tcp"), 1024, 60, DLBA_MODE_FORWARD,
                    parse_hash_key("000102030405060708090a0b0c0d0e0f")};
    codec::put_service_config(msg, c);
    auto s = svc_nest(msg);
    EXPECT_EQ(s.u16(DLBA_SVC_A_FAMILY), AF_INET6);
    ASSERT_EQ(s.bytes(DLBA_SVC_A_ADDR).size(), 16u);
    EXPECT_EQ(std::memcmp(s.bytes(DLBA_SVC_A_ADDR).data(), c.key.addr.bytes.data(), 16), 0);
    EXPECT_EQ(s.u16(DLBA_SVC_A_PORT), 80);
    EXPECT_EQ(s.u8(DLBA_SVC_A_PROTO), IPPROTO_TCP);
    EXPECT_EQ(s.u32(DLBA_SVC_A_BUCKETS), 1024u);
    EXPECT_EQ(s.u32(DLBA_SVC_A_TIMEOUT), 60u);
    EXPECT_EQ(s.u8(DLBA_SVC_A_MODE), DLBA_MODE_FORWARD);
    // The key goes as its 16 bytes, in the order written.
    ASSERT_EQ(s.bytes(DLBA_SVC_A_HASH_KEY).size(), 16u);
    for (size_t i = 0; i < 16; i++)
        EXPECT_EQ(s.bytes(DLBA_SVC_A_HASH_KEY)[i], i);
}

TEST(Codec, ServiceKeyIpv4IsFourBytesAndDefaultsAreOmitted)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVICE_NEW, DLBA_GENL_VERSION);
    codec::put_service_config(msg,
                              ServiceConfig{parse_service("10.0.0.10:53/udp"), {}, {}, {}, {}});
    auto s = svc_nest(msg);
    EXPECT_EQ(s.bytes(DLBA_SVC_A_ADDR).size(), 4u);
    EXPECT_EQ(s.u8(DLBA_SVC_A_PROTO), IPPROTO_UDP);
    EXPECT_FALSE(s.has(DLBA_SVC_A_BUCKETS));
    EXPECT_FALSE(s.has(DLBA_SVC_A_TIMEOUT));
    EXPECT_FALSE(s.has(DLBA_SVC_A_MODE));
    EXPECT_FALSE(s.has(DLBA_SVC_A_HASH_KEY));
}

TEST(Codec, HashKeyTextRoundTripsAndRejectsBadText)
{
    auto k = parse_hash_key("00ff10Ab0405060708090a0b0c0d0e0f");
    EXPECT_EQ(k[1], 0xff);
    EXPECT_EQ(k[3], 0xab);
    EXPECT_EQ(format_hash_key(k), "00ff10ab0405060708090a0b0c0d0e0f");
    for (const char* bad :
         {"", "00", "00ff10ab0405060708090a0b0c0d0e0", "00ff10ab0405060708090a0b0c0d0e0f00",
          "0xff10ab0405060708090a0b0c0d0e0f", "00ff10ab0405060708090a0b0c0d0e0g"})
        EXPECT_THROW(parse_hash_key(bad), ParseError) << bad;
}

TEST(Codec, ServerConfigSendsEveryField)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVER_NEW, DLBA_GENL_VERSION);
    ServerConfig c;
    c.id = 7;
    c.addr = parse_address("10.0.1.7");
    c.mac = parse_mac("02:00:00:00:01:07");
    c.weight = 3;
    c.enabled = false;
    codec::put_server_config(msg, c);
    auto srv =
        nl::Attrs::parse(msg.header(), GENL_HDRLEN, DLBA_A_MAX).nest(DLBA_A_SERVER, DLBA_SRV_A_MAX);
    EXPECT_EQ(srv.u32(DLBA_SRV_A_ID), 7u);
    EXPECT_EQ(srv.bytes(DLBA_SRV_A_ADDR).size(), 4u);
    EXPECT_EQ(srv.bytes(DLBA_SRV_A_MAC).size(), 6u);
    EXPECT_EQ(srv.u32(DLBA_SRV_A_WEIGHT), 3u);
    EXPECT_EQ(srv.u8(DLBA_SRV_A_ENABLED), 0);
    EXPECT_EQ(srv.u8(DLBA_SRV_A_FAILED), 0);
    EXPECT_EQ(srv.u8(DLBA_SRV_A_METHOD), DLBA_FWD_DR);
    EXPECT_FALSE(srv.has(DLBA_SRV_A_PORT));
}

TEST(Codec, ServerChangeSendsOnlyChanges)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVER_SET, DLBA_GENL_VERSION);
    ServerChange c;
    c.id = 2;
    c.failed = true;
    codec::put_server_change(msg, c);
    auto srv =
        nl::Attrs::parse(msg.header(), GENL_HDRLEN, DLBA_A_MAX).nest(DLBA_A_SERVER, DLBA_SRV_A_MAX);
    EXPECT_EQ(srv.u32(DLBA_SRV_A_ID), 2u);
    EXPECT_EQ(srv.u8(DLBA_SRV_A_FAILED), 1);
    for (auto t : {DLBA_SRV_A_WEIGHT, DLBA_SRV_A_ENABLED, DLBA_SRV_A_MAC, DLBA_SRV_A_ADDR,
                   DLBA_SRV_A_PORT, DLBA_SRV_A_METHOD})
        EXPECT_FALSE(srv.has(t)) << t;
}

TEST(Codec, ErrorOffsetNamesTheRejectedAttribute)
{
    // The kernel's NLMSGERR_ATTR_OFFS points into our request; dlbactl
    // turns it back into the value's name for the error message.
    nl::Message msg(kFamily, DLBA_CMD_SERVER_NEW, DLBA_GENL_VERSION);
    codec::put_service_key(msg, parse_service("10.0.0.10:80/tcp"));
    ServerConfig c;
    c.id = 7;
    c.addr = parse_address("10.0.1.7");
    c.method = DLBA_FWD_TUN;
    c.weight = 70000;
    codec::put_server_config(msg, c);
    auto top = nl::Attrs::parse(msg.header(), GENL_HDRLEN, DLBA_A_MAX);
    auto offset_of = [&](const nlattr* a) {
        return static_cast<uint32_t>(reinterpret_cast<const char*>(a) -
                                     reinterpret_cast<const char*>(msg.header()));
    };
    const nlattr* weight = top.nest(DLBA_A_SERVER, DLBA_SRV_A_MAX).get(DLBA_SRV_A_WEIGHT);
    auto path = nl::attribute_path(msg.header(), GENL_HDRLEN, offset_of(weight));
    EXPECT_EQ(path, (std::vector<uint16_t>{DLBA_A_SERVER, DLBA_SRV_A_WEIGHT}));
    EXPECT_EQ(codec::attribute_name(path), "weight");
    const nlattr* port = top.nest(DLBA_A_SERVICE, DLBA_SVC_A_MAX).get(DLBA_SVC_A_PORT);
    EXPECT_EQ(codec::attribute_name(nl::attribute_path(msg.header(), GENL_HDRLEN, offset_of(port))),
              "service port");
    EXPECT_EQ(nl::attribute_path(msg.header(), GENL_HDRLEN, offset_of(top.get(DLBA_A_SERVER))),
              (std::vector<uint16_t>{DLBA_A_SERVER}));
    // Not the start of an attribute, or past the end: no name.
    EXPECT_TRUE(nl::attribute_path(msg.header(), GENL_HDRLEN, offset_of(weight) + 2).empty());
    EXPECT_TRUE(nl::attribute_path(msg.header(), GENL_HDRLEN, msg.header()->nlmsg_len + 8).empty());
    EXPECT_EQ(codec::attribute_name({}), "");
}

TEST(Codec, BucketSetChunkFitsAndCarriesVersion)
{
    std::vector<uint32_t> ids(DLBA_BKT_CHUNK, 5);
    nl::Message msg(kFamily, DLBA_CMD_BUCKETS_SET, DLBA_GENL_VERSION, ids.size() * 4 + 512);
    codec::put_service_key(msg, parse_service("10.0.0.10:80/tcp"));
    codec::put_buckets(msg, 8192, ids.data(), DLBA_BKT_CHUNK, 99);
    auto b = nl::Attrs::parse(msg.header(), GENL_HDRLEN, DLBA_A_MAX)
                 .nest(DLBA_A_BUCKETS, DLBA_BKT_A_MAX);
    EXPECT_EQ(b.u32(DLBA_BKT_A_START), 8192u);
    EXPECT_EQ(b.bytes(DLBA_BKT_A_ASSIGN).size(), DLBA_BKT_CHUNK * 4);
    EXPECT_EQ(b.u64(DLBA_BKT_A_VERSION), 99u);
}

// A reply as the kernel would build it for SERVICE_GET.
nl::Message service_reply(bool with_stats)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVICE_GET, DLBA_GENL_VERSION);
    nlattr* svc = msg.begin_nest(DLBA_A_SERVICE);
    msg.put_u16(DLBA_SVC_A_FAMILY, AF_INET);
    const uint8_t addr[4] = {10, 0, 0, 10};
    msg.put_bytes(DLBA_SVC_A_ADDR, addr);
    msg.put_u16(DLBA_SVC_A_PORT, 80);
    msg.put_u8(DLBA_SVC_A_PROTO, IPPROTO_TCP);
    msg.put_u32(DLBA_SVC_A_BUCKETS, 65536);
    msg.put_u32(DLBA_SVC_A_TIMEOUT, 300);
    msg.put_u8(DLBA_SVC_A_MODE, DLBA_MODE_FORWARD);
    msg.put_u8(DLBA_SVC_A_PANIC, 1);
    msg.put_u64(DLBA_SVC_A_VERSION, 12);
    msg.put_u32(DLBA_SVC_A_NSERVERS, 3);
    if (with_stats) {
        nlattr* st = msg.begin_nest(DLBA_SVC_A_STATS);
        msg.put_u64(DLBA_STATS_A_PACKETS, 100);
        msg.put_u64(DLBA_STATS_A_BYTES, 6400);
        msg.put_u64(DLBA_STATS_A_NOSERVER, 2);
        msg.end_nest(st);
    }
    msg.end_nest(svc);
    return msg;
}

TEST(Codec, ParseServiceReply)
{
    auto msg = service_reply(true);
    ServiceInfo s = codec::parse_service(msg.header());
    EXPECT_EQ(format_service(s.key), "10.0.0.10:80/tcp");
    EXPECT_EQ(s.buckets, 65536u);
    EXPECT_EQ(s.timeout, 300u);
    EXPECT_EQ(s.mode, DLBA_MODE_FORWARD);
    EXPECT_TRUE(s.panic);
    EXPECT_EQ(s.version, 12u);
    EXPECT_EQ(s.nservers, 3u);
    EXPECT_EQ(s.stats.packets, 100u);
    EXPECT_EQ(s.stats.bytes, 6400u);
    EXPECT_EQ(s.stats.noserver, 2u);
    EXPECT_EQ(s.stats.errors, std::nullopt);
}

TEST(Codec, ParseServiceWithBadAddressLengthIsProtocolError)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVICE_GET, DLBA_GENL_VERSION);
    nlattr* svc = msg.begin_nest(DLBA_A_SERVICE);
    msg.put_u16(DLBA_SVC_A_FAMILY, AF_INET6);
    const uint8_t addr[4] = {10, 0, 0, 10};
    msg.put_bytes(DLBA_SVC_A_ADDR, addr);
    msg.put_u16(DLBA_SVC_A_PORT, 80);
    msg.put_u8(DLBA_SVC_A_PROTO, IPPROTO_TCP);
    msg.end_nest(svc);
    try {
        codec::parse_service(msg.header());
        FAIL();
    } catch (const nl::Error& e) {
        EXPECT_EQ(e.code(), EPROTO);
    }
}

nl::Message server_reply(bool with_service)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVER_GET, DLBA_GENL_VERSION);
    if (with_service)
        codec::put_service_key(msg, parse_service("[fd00::10]:80/tcp"));
    nlattr* srv = msg.begin_nest(DLBA_A_SERVER);
    msg.put_u32(DLBA_SRV_A_ID, 2);
    Address a = parse_address("fd00::1:2");
    msg.put_bytes(DLBA_SRV_A_ADDR, std::span(a.bytes.data(), 16));
    msg.put_u16(DLBA_SRV_A_PORT, 8080);
    msg.put_u32(DLBA_SRV_A_WEIGHT, 2);
    msg.put_u8(DLBA_SRV_A_ENABLED, 1);
    msg.put_u8(DLBA_SRV_A_FAILED, 0);
    msg.put_u8(DLBA_SRV_A_METHOD, DLBA_FWD_NAT);
    msg.put_u32(DLBA_SRV_A_BUCKETS, 4000);
    msg.end_nest(srv);
    return msg;
}

TEST(Codec, ParseServerReply)
{
    auto msg = server_reply(true);
    ServerInfo s = codec::parse_server(msg.header());
    EXPECT_EQ(format_service(s.service), "[fd00::10]:80/tcp");
    EXPECT_EQ(s.id, 2u);
    EXPECT_EQ(format_address(s.addr), "fd00::1:2");
    EXPECT_EQ(s.port, 8080);
    EXPECT_EQ(s.mac, std::nullopt);
    EXPECT_EQ(s.method, DLBA_FWD_NAT);
    EXPECT_EQ(s.buckets, 4000u);
    EXPECT_TRUE(s.enabled);
    EXPECT_FALSE(s.failed);
}

TEST(Codec, ParseServerNeighbour)
{
    nl::Message msg(kFamily, DLBA_CMD_SERVER_GET, DLBA_GENL_VERSION);
    codec::put_service_key(msg, parse_service("10.0.0.10:80/tcp"));
    nlattr* srv = msg.begin_nest(DLBA_A_SERVER);
    msg.put_u32(DLBA_SRV_A_ID, 1);
    const uint8_t addr[4] = {10, 0, 1, 1};
    msg.put_bytes(DLBA_SRV_A_ADDR, addr);
    msg.put_u8(DLBA_SRV_A_METHOD, DLBA_FWD_DR);
    msg.put_u16(DLBA_SRV_A_NEIGH_STATE, 0x02);
    const uint8_t ll[6] = {2, 0, 0, 0, 1, 1};
    msg.put_bytes(DLBA_SRV_A_LLADDR, ll);
    msg.end_nest(srv);
    ServerInfo s = codec::parse_server(msg.header());
    EXPECT_EQ(s.mac, std::nullopt);
    EXPECT_EQ(s.neigh_state, 0x02);
    ASSERT_TRUE(s.lladdr);
    EXPECT_EQ(format_mac(*s.lladdr), "02:00:00:00:01:01");
}

TEST(Codec, ParseServerReplyWithoutServiceUsesTheFilter)
{
    auto msg = server_reply(false);
    EXPECT_THROW(codec::parse_server(msg.header()), nl::Error);
    ServerInfo s = codec::parse_server(msg.header(), parse_service("[fd00::10]:80/tcp"));
    EXPECT_EQ(s.id, 2u);
}

TEST(Codec, GlobalStats)
{
    nl::Message msg(kFamily, DLBA_CMD_STATS_GET, DLBA_GENL_VERSION);
    nlattr* st = msg.begin_nest(DLBA_A_STATS);
    msg.put_u64(DLBA_STATS_A_PACKETS, 5);
    msg.put_u64(DLBA_STATS_A_REPLIES, 4);
    msg.put_u32(DLBA_STATS_A_SERVICES, 2);
    msg.end_nest(st);
    GlobalStats g = codec::parse_global_stats(msg.header());
    EXPECT_EQ(g.stats.packets, 5u);
    EXPECT_EQ(g.stats.replies, 4u);
    EXPECT_EQ(g.services, 2u);
}

nl::Message bucket_part(uint32_t count, uint32_t start, std::vector<uint32_t> ids, uint64_t version)
{
    nl::Message msg(kFamily, DLBA_CMD_BUCKETS_GET, DLBA_GENL_VERSION, 65536);
    nlattr* b = msg.begin_nest(DLBA_A_BUCKETS);
    msg.put_u64(DLBA_BKT_A_VERSION, version);
    msg.put_u32(DLBA_BKT_A_COUNT, count);
    msg.put_u32(DLBA_BKT_A_START, start);
    msg.put_bytes(DLBA_BKT_A_ASSIGN,
                  std::span(reinterpret_cast<const uint8_t*>(ids.data()), ids.size() * 4));
    std::vector<uint32_t> idle(ids.size(), 7);
    msg.put_bytes(DLBA_BKT_A_IDLE,
                  std::span(reinterpret_cast<const uint8_t*>(idle.data()), idle.size() * 4));
    msg.end_nest(b);
    return msg;
}

TEST(BucketAssembler, JoinsPartsInAnyOrder)
{
    BucketAssembler assembler(true);
    assembler.add(codec::parse_buckets(bucket_part(16, 8, {2, 2, 2, 2, 0, 0, 0, 0}, 4).header()));
    assembler.add(codec::parse_buckets(bucket_part(16, 0, {1, 1, 1, 1, 1, 1, 1, 1}, 4).header()));
    EXPECT_TRUE(assembler.consistent());
    BucketTable t = assembler.finish();
    EXPECT_EQ(t.count, 16u);
    EXPECT_EQ(t.version, 4u);
    EXPECT_EQ(t.assign, (std::vector<uint32_t>{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0}));
    EXPECT_EQ(t.idle_ms, std::vector<uint32_t>(16, 7));
}

TEST(BucketAssembler, MissingBucketsAreAnError)
{
    BucketAssembler assembler(false);
    assembler.add(codec::parse_buckets(bucket_part(16, 0, {1, 1, 1, 1, 1, 1, 1, 1}, 4).header()));
    EXPECT_THROW(static_cast<void>(assembler.finish()), nl::Error);
}

TEST(BucketAssembler, OverlapAndOverrunAreErrors)
{
    BucketAssembler assembler(false);
    assembler.add(codec::parse_buckets(bucket_part(16, 0, {1, 1, 1, 1, 1, 1, 1, 1}, 4).header()));
    EXPECT_THROW(assembler.add(codec::parse_buckets(bucket_part(16, 4, {1, 1, 1, 1}, 4).header())),
                 nl::Error);
    EXPECT_THROW(codec::parse_buckets(bucket_part(16, 12, {1, 1, 1, 1, 1, 1}, 4).header()),
                 nl::Error);
    EXPECT_THROW(assembler.add(codec::parse_buckets(bucket_part(32, 8, {1}, 4).header())),
                 nl::Error);
}

TEST(BucketAssembler, ImplausibleTableSizeIsRefused)
{
    BucketAssembler assembler(false);
    EXPECT_THROW(
        assembler.add(codec::parse_buckets(bucket_part(DLBA_BUCKETS_MAX * 2, 0, {1}, 1).header())),
        nl::Error);
}

TEST(BucketAssembler, ChangingVersionReportsTheOldest)
{
    BucketAssembler assembler(false);
    assembler.add(codec::parse_buckets(bucket_part(16, 0, {1, 1, 1, 1, 1, 1, 1, 1}, 9).header()));
    assembler.add(codec::parse_buckets(bucket_part(16, 8, {2, 2, 2, 2, 2, 2, 2, 2}, 11).header()));
    EXPECT_FALSE(assembler.consistent());
    EXPECT_EQ(assembler.finish().version, 9u);
    assembler.reset();
    EXPECT_THROW(static_cast<void>(assembler.finish()), nl::Error);
}

// A buckets-ntf as dlba.ko multicasts it (kmod/sync.c): key, then count,
// start, assign and version in the buckets nest.
nl::Message bucket_change(const std::string& svc, uint32_t count, uint32_t start,
                          const std::vector<uint32_t>& ids, std::optional<uint64_t> version)
{
    nl::Message msg(kFamily, DLBA_CMD_BUCKETS_NTF, DLBA_GENL_VERSION, 65536);
    codec::put_service_key(msg, parse_service(svc));
    nlattr* b = msg.begin_nest(DLBA_A_BUCKETS);
    msg.put_u32(DLBA_BKT_A_COUNT, count);
    msg.put_u32(DLBA_BKT_A_START, start);
    msg.put_bytes(DLBA_BKT_A_ASSIGN,
                  std::span(reinterpret_cast<const uint8_t*>(ids.data()), ids.size() * 4));
    if (version)
        msg.put_u64(DLBA_BKT_A_VERSION, *version);
    msg.end_nest(b);
    return msg;
}

TEST(Codec, BucketChangeNotification)
{
    auto c = codec::parse_bucket_change(
        bucket_change("[fd00::10]:443/tcp", 256, 40, {1, 0, 3}, 17).header());
    EXPECT_EQ(c.key, parse_service("[fd00::10]:443/tcp"));
    EXPECT_EQ(c.count, 256u);
    EXPECT_EQ(c.start, 40u);
    EXPECT_EQ(c.version, 17u);
    EXPECT_EQ(c.assign, (std::vector<uint32_t>{1, 0, 3}));
}

TEST(Codec, BucketChangeNotificationMalformed)
{
    // The last bucket is 256: beyond a table of 256.
    EXPECT_THROW(codec::parse_bucket_change(
                     bucket_change("10.0.0.10:80/tcp", 256, 254, {1, 2, 3}, 1).header()),
                 nl::Error);
    // A change without its version cannot be ordered against a copy.
    EXPECT_THROW(codec::parse_bucket_change(
                     bucket_change("10.0.0.10:80/tcp", 256, 0, {1}, std::nullopt).header()),
                 nl::Error);
    // A change of nothing.
    EXPECT_THROW(
        codec::parse_bucket_change(bucket_change("10.0.0.10:80/tcp", 256, 0, {}, 1).header()),
        nl::Error);
}

} // namespace
} // namespace dlba::ctl
