// Answers to ARP requests and neighbour solicitations for the VIPs, byte by byte, and what is not
// answered: other addresses, announcements, malformed and truncated frames.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <vector>

#include "vip/neighbour_reply.h"

namespace dlba::arrayd {
namespace {

using Bytes = std::vector<std::uint8_t>;

const MacAddress kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
const std::array<std::uint8_t, 6> kClientMac{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

std::vector<config::IpAddress> vips()
{
    return {config::parse_ip("198.18.100.10"), config::parse_ip("2001:db8:100::10")};
}

void append(Bytes& p, std::initializer_list<std::uint8_t> b)
{
    p.insert(p.end(), b);
}
template <typename R>
void append(Bytes& p, const R& r)
{
    p.insert(p.end(), std::begin(r), std::end(r));
}
void ip4(Bytes& p, const char* text)
{
    auto ip = config::parse_ip(text);
    p.insert(p.end(), ip.bytes.begin(), ip.bytes.begin() + 4);
}
void ip6(Bytes& p, const char* text)
{
    auto ip = config::parse_ip(text);
    append(p, ip.bytes);
}

Bytes arp_request(const char* sender, const char* target, std::uint8_t op = 1)
{
    Bytes p;
    append(p, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
    append(p, kClientMac);
    append(p, {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, op});
    append(p, kClientMac);
    ip4(p, sender);
    append(p, {0, 0, 0, 0, 0, 0});
    ip4(p, target);
    p.resize(60, 0); // Ethernet padding
    return p;
}

// A neighbour solicitation from `src` to `dst` for `target`, with a source link-layer option
// unless `src` is ::, its checksum right.
Bytes solicitation(const char* src, const char* dst, const char* target, bool option = true)
{
    Bytes icmp{135, 0, 0, 0, 0, 0, 0, 0};
    ip6(icmp, target);
    if (option) {
        append(icmp, {1, 1});
        append(icmp, kClientMac);
    }
    Bytes p;
    append(p, {0x33, 0x33, 0xff, 0x00, 0x00, 0x10});
    append(p, kClientMac);
    append(p, {0x86, 0xdd, 0x60, 0, 0, 0, 0, static_cast<std::uint8_t>(icmp.size()), 58, 255});
    ip6(p, src);
    ip6(p, dst);
    auto s = config::parse_ip(src).bytes;
    auto d = config::parse_ip(dst).bytes;
    auto sum = icmpv6_checksum(s, d, icmp);
    icmp[2] = static_cast<std::uint8_t>(sum >> 8);
    icmp[3] = static_cast<std::uint8_t>(sum & 0xff);
    append(p, icmp);
    return p;
}

std::optional<NeighbourReply> answer(const Bytes& frame)
{
    auto v = vips();
    return neighbour_reply(frame, kMac, v);
}

TEST(NeighbourReply, ArpRequestGetsReply)
{
    auto r = answer(arp_request("198.18.100.1", "198.18.100.10"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, NeighbourReplyKind::Arp);
    Bytes want;
    append(want, kClientMac);                                 // to the requester
    append(want, kMac);                                       // from the group's interface
    append(want, {0x08, 0x06});                               // ARP
    append(want, {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02}); // Ethernet/IPv4, reply
    append(want, kMac);
    ip4(want, "198.18.100.10");
    append(want, kClientMac);
    ip4(want, "198.18.100.1");
    EXPECT_EQ(r->frame, want);
}

TEST(NeighbourReply, ArpProbeIsAnswered)
{
    auto r = answer(arp_request("0.0.0.0", "198.18.100.10"));
    ASSERT_TRUE(r);
    EXPECT_EQ(Bytes(r->frame.end() - 4, r->frame.end()), (Bytes{0, 0, 0, 0}));
}

TEST(NeighbourReply, ArpIgnored)
{
    EXPECT_FALSE(answer(arp_request("198.18.100.1", "198.18.100.11")));    // not a VIP
    EXPECT_FALSE(answer(arp_request("198.18.100.10", "198.18.100.10")));   // an announcement
    EXPECT_FALSE(answer(arp_request("198.18.100.1", "198.18.100.10", 2))); // a reply
    auto p = arp_request("198.18.100.1", "198.18.100.10");
    p.resize(14 + 27); // truncated
    EXPECT_FALSE(answer(p));
    p = arp_request("198.18.100.1", "198.18.100.10");
    p[19] = 16; // protocol address length
    EXPECT_FALSE(answer(p));
    p = arp_request("198.18.100.1", "198.18.100.10");
    p[22] |= 1; // multicast sender MAC
    EXPECT_FALSE(answer(p));
    EXPECT_FALSE(answer(Bytes{}));
    EXPECT_FALSE(answer(Bytes(13, 0)));
}

TEST(NeighbourReply, SolicitationGetsSolicitedAdvertisement)
{
    auto r = answer(solicitation("2001:db8:100::1", "ff02::1:ff00:10", "2001:db8:100::10"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, NeighbourReplyKind::Na);
    const auto& f = r->frame;
    ASSERT_EQ(f.size(), 14u + 40 + 32);
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(kClientMac.begin(), kClientMac.end()));
    EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes(kMac.begin(), kMac.end()));
    EXPECT_EQ(Bytes(f.begin() + 12, f.begin() + 14), (Bytes{0x86, 0xdd}));
    EXPECT_EQ(f[14] >> 4, 6);
    EXPECT_EQ(f[18] << 8 | f[19], 32); // payload length
    EXPECT_EQ(f[20], 58);
    EXPECT_EQ(f[21], 255); // hop limit
    auto vip = config::parse_ip("2001:db8:100::10").bytes;
    auto client = config::parse_ip("2001:db8:100::1").bytes;
    EXPECT_TRUE(std::equal(vip.begin(), vip.end(), f.begin() + 22));       // from the VIP
    EXPECT_TRUE(std::equal(client.begin(), client.end(), f.begin() + 38)); // to the solicitor
    std::span<const std::uint8_t> icmp(f.data() + 54, 32);
    EXPECT_EQ(icmp[0], 136);
    EXPECT_EQ(icmp[1], 0);
    EXPECT_EQ(icmp[4], 0x60); // solicited, override, not router
    EXPECT_TRUE(std::equal(vip.begin(), vip.end(), icmp.begin() + 8));
    EXPECT_EQ(icmp[24], 2); // target link-layer address
    EXPECT_EQ(icmp[25], 1);
    EXPECT_TRUE(std::equal(kMac.begin(), kMac.end(), icmp.begin() + 26));
    EXPECT_EQ(icmpv6_checksum(vip, client, icmp), 0); // verifies
    EXPECT_NE(icmp[2] << 8 | icmp[3], 0);
}

TEST(NeighbourReply, ChecksumKnownValue)
{
    // RFC 1071 style: the sum of the words and the pseudo-header, complemented.
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    src[15] = 1;
    dst[15] = 2;
    Bytes icmp{0x80, 0, 0, 0};
    // 1 + 2 + length 4 + next header 58 + 0x8000 = 0x8041; complement 0x7fbe.
    EXPECT_EQ(icmpv6_checksum(src, dst, icmp), 0x7fbe);
}

TEST(NeighbourReply, UnicastSolicitationWithoutOptionGoesToFrameSource)
{
    auto r = answer(solicitation("2001:db8:100::1", "2001:db8:100::10", "2001:db8:100::10", false));
    ASSERT_TRUE(r);
    EXPECT_TRUE(std::equal(kClientMac.begin(), kClientMac.end(), r->frame.begin()));
}

TEST(NeighbourReply, DuplicateAddressDetectionGetsAdvertisementToAllNodes)
{
    auto r = answer(solicitation("::", "ff02::1:ff00:10", "2001:db8:100::10", false));
    ASSERT_TRUE(r);
    const auto& f = r->frame;
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), (Bytes{0x33, 0x33, 0, 0, 0, 1}));
    auto all = config::parse_ip("ff02::1").bytes;
    EXPECT_TRUE(std::equal(all.begin(), all.end(), f.begin() + 38));
    EXPECT_EQ(f[54 + 4], 0x20); // override only
    // From :: with a source link-layer option, or not to the solicited-node address: invalid.
    EXPECT_FALSE(answer(solicitation("::", "ff02::1:ff00:10", "2001:db8:100::10", true)));
    EXPECT_FALSE(answer(solicitation("::", "ff02::1", "2001:db8:100::10", false)));
}

TEST(NeighbourReply, SolicitationIgnored)
{
    const char* src = "2001:db8:100::1";
    const char* dst = "ff02::1:ff00:10";
    EXPECT_FALSE(answer(solicitation(src, dst, "2001:db8:100::11"))); // not a VIP
    EXPECT_FALSE(answer(solicitation(src, dst, "ff02::1")));          // multicast target
    auto good = solicitation(src, dst, "2001:db8:100::10");
    auto p = good;
    p[14 + 40 + 2] ^= 1; // checksum
    EXPECT_FALSE(answer(p));
    p = good;
    p[21] = 64; // hop limit: routed, not on the link
    EXPECT_FALSE(answer(p));
    p = good;
    p[14 + 40 + 1] = 1; // code
    EXPECT_FALSE(answer(p));
    p = good;
    p.resize(p.size() - 1); // shorter than the payload length
    EXPECT_FALSE(answer(p));
    p = good;
    p.resize(14 + 40 + 23); // shorter than a solicitation
    EXPECT_FALSE(answer(p));
    p = good;
    p[20] = 17; // UDP
    EXPECT_FALSE(answer(p));
    // An option of length 0 (RFC 4861 7.1.1: silently discarded); checksum fixed up.
    auto zero = solicitation(src, dst, "2001:db8:100::10");
    zero[14 + 40 + 25] = 0;
    auto s = config::parse_ip(src).bytes;
    auto d = config::parse_ip(dst).bytes;
    zero[14 + 40 + 2] = zero[14 + 40 + 3] = 0;
    auto sum = icmpv6_checksum(s, d, std::span<const std::uint8_t>(zero).subspan(54));
    zero[14 + 40 + 2] = static_cast<std::uint8_t>(sum >> 8);
    zero[14 + 40 + 3] = static_cast<std::uint8_t>(sum & 0xff);
    EXPECT_FALSE(answer(zero));
}

TEST(NeighbourReply, EveryTruncationIsRejected)
{
    for (const auto& good :
         {arp_request("198.18.100.1", "198.18.100.10"),
          solicitation("2001:db8:100::1", "ff02::1:ff00:10", "2001:db8:100::10")}) {
        std::size_t whole = good[12] == 0x08 ? 14 + 28 : good.size();
        for (std::size_t n = 0; n < whole; ++n)
            EXPECT_FALSE(answer(Bytes(good.begin(), good.begin() + static_cast<long>(n)))) << n;
    }
}

} // namespace
} // namespace dlba::arrayd
