// The gratuitous ARP and unsolicited neighbour advertisement packets, byte by byte.
#include <gtest/gtest.h>

#include "vip/announce.h"

namespace dlba::arrayd {
namespace {

const MacAddress kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

TEST(Announce, GratuitousArp)
{
    auto p = build_gratuitous_arp(kMac, config::parse_ip("198.18.100.10"));
    std::vector<std::uint8_t> want{
        0x00, 0x01,                         // hardware: Ethernet
        0x08, 0x00,                         // protocol: IPv4
        6,    4,                            // address lengths
        0x00, 0x01,                         // request
        0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, // sender MAC
        198,  18,   100,  10,               // sender IP: the VIP
        0,    0,    0,    0,    0,    0,    // target MAC
        198,  18,   100,  10,               // target IP: the VIP
    };
    EXPECT_EQ(p, want);
}

TEST(Announce, UnsolicitedNeighbourAdvertisement)
{
    auto ip = config::parse_ip("2001:db8:100::10");
    auto p = build_unsolicited_na(kMac, ip);
    ASSERT_EQ(p.size(), 32u);
    EXPECT_EQ(p[0], 136); // neighbour advertisement
    EXPECT_EQ(p[1], 0);
    EXPECT_EQ(p[2], 0); // checksum left to the kernel
    EXPECT_EQ(p[3], 0);
    EXPECT_EQ(p[4], 0x20); // override, not solicited, not router
    EXPECT_EQ(p[5] | p[6] | p[7], 0);
    EXPECT_TRUE(std::equal(ip.bytes.begin(), ip.bytes.end(), p.begin() + 8));
    EXPECT_EQ(p[24], 2); // target link-layer address option
    EXPECT_EQ(p[25], 1); // 8 bytes
    EXPECT_TRUE(std::equal(kMac.begin(), kMac.end(), p.begin() + 26));
}

} // namespace
} // namespace dlba::arrayd
