#include "vip/neighbour_reply.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <sys/socket.h>

namespace dlba::arrayd {

namespace {

constexpr std::size_t kEth = 14;
constexpr std::size_t kArp = 28;
constexpr std::size_t kIp6 = 40;
constexpr std::size_t kNs = 24; // type, code, checksum, reserved, target
constexpr std::size_t kNa = 32; // the same with the target link-layer option
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIp = 0x0800;
constexpr std::uint16_t kEtherIp6 = 0x86dd;
constexpr std::uint8_t kIcmp6 = 58;
constexpr std::uint8_t kNsType = 135;
constexpr std::uint8_t kNaType = 136;
constexpr std::uint8_t kOptSource = 1;
constexpr std::uint8_t kOptTarget = 2;

std::uint16_t get16(std::span<const std::uint8_t> p, std::size_t at)
{
    return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
}

void put16(std::vector<std::uint8_t>& p, std::uint16_t v)
{
    p.push_back(static_cast<std::uint8_t>(v >> 8));
    p.push_back(static_cast<std::uint8_t>(v & 0xff));
}

template <typename Range>
void append(std::vector<std::uint8_t>& p, const Range& r)
{
    p.insert(p.end(), std::begin(r), std::end(r));
}

bool is_vip(std::span<const config::IpAddress> vips, int family, std::span<const std::uint8_t> ip)
{
    return std::any_of(vips.begin(), vips.end(), [&](const config::IpAddress& v) {
        return v.family == family && std::equal(ip.begin(), ip.end(), v.bytes.begin());
    });
}

void ethernet(std::vector<std::uint8_t>& p, std::span<const std::uint8_t> dst,
              const MacAddress& src, std::uint16_t type)
{
    append(p, dst);
    append(p, src);
    put16(p, type);
}

std::optional<NeighbourReply> arp_reply(std::span<const std::uint8_t> frame, const MacAddress& mac,
                                        std::span<const config::IpAddress> vips)
{
    if (frame.size() < kEth + kArp)
        return std::nullopt;
    auto arp = frame.subspan(kEth, kArp);
    if (get16(arp, 0) != 1 || get16(arp, 2) != kEtherIp || arp[4] != 6 || arp[5] != 4 ||
        get16(arp, 6) != 1)
        return std::nullopt;
    auto sha = arp.subspan(8, 6);
    auto spa = arp.subspan(14, 4);
    auto tpa = arp.subspan(24, 4);
    if (std::equal(spa.begin(), spa.end(), tpa.begin()) || !is_vip(vips, AF_INET, tpa))
        return std::nullopt;
    // The requester's address must be a unicast MAC (no answer to a forged broadcast sender).
    if ((sha[0] & 1) != 0)
        return std::nullopt;
    NeighbourReply r{NeighbourReplyKind::Arp, {}};
    auto& p = r.frame;
    p.reserve(kEth + kArp);
    ethernet(p, sha, mac, kEtherArp);
    put16(p, 1);
    put16(p, kEtherIp);
    p.push_back(6);
    p.push_back(4);
    put16(p, 2); // reply
    append(p, mac);
    append(p, tpa); // the VIP
    append(p, sha);
    append(p, spa); // 0.0.0.0 for a probe, as the kernel answers
    return r;
}

std::optional<NeighbourReply> na_reply(std::span<const std::uint8_t> frame, const MacAddress& mac,
                                       std::span<const config::IpAddress> vips)
{
    if (frame.size() < kEth + kIp6 + kNs)
        return std::nullopt;
    auto ip6 = frame.subspan(kEth);
    if ((ip6[0] >> 4) != 6 || ip6[6] != kIcmp6 || ip6[7] != 255)
        return std::nullopt;
    std::size_t length = get16(ip6, 4);
    if (length < kNs || kIp6 + length > ip6.size())
        return std::nullopt;
    auto src = ip6.subspan<8, 16>();
    auto dst = ip6.subspan<24, 16>();
    auto icmp = ip6.subspan(kIp6, length);
    if (icmp[0] != kNsType || icmp[1] != 0 || icmpv6_checksum(src, dst, icmp) != 0)
        return std::nullopt;
    auto target = icmp.subspan(8, 16);
    if (target[0] == 0xff || !is_vip(vips, AF_INET6, target))
        return std::nullopt;
    bool unspecified = std::all_of(src.begin(), src.end(), [](std::uint8_t b) { return b == 0; });
    std::optional<std::span<const std::uint8_t>> source_lladdr;
    for (std::size_t at = kNs; at < length;) {
        if (length - at < 2 || icmp[at + 1] == 0 || length - at < icmp[at + 1] * 8u)
            return std::nullopt;
        if (icmp[at] == kOptSource && icmp[at + 1] == 1)
            source_lladdr = icmp.subspan(at + 2, 6);
        at += icmp[at + 1] * 8u;
    }
    if (unspecified) {
        // Duplicate address detection: to the target's solicited-node address, no source option.
        static constexpr std::uint8_t kSolicited[13] = {0xff, 0x02, 0, 0, 0, 0,   0,
                                                        0,    0,    0, 0, 1, 0xff};
        if (source_lladdr ||
            !std::equal(std::begin(kSolicited), std::end(kSolicited), dst.begin()) ||
            !std::equal(target.begin() + 13, target.end(), dst.begin() + 13))
            return std::nullopt;
    }
    std::array<std::uint8_t, 16> to{};
    std::array<std::uint8_t, 6> to_mac{};
    if (unspecified) {
        to = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        to_mac = {0x33, 0x33, 0, 0, 0, 1};
    } else {
        std::copy(src.begin(), src.end(), to.begin());
        auto m = source_lladdr ? *source_lladdr : frame.subspan(6, 6);
        std::copy(m.begin(), m.end(), to_mac.begin());
        if ((to_mac[0] & 1) != 0)
            return std::nullopt;
    }
    NeighbourReply r{NeighbourReplyKind::Na, {}};
    auto& p = r.frame;
    p.reserve(kEth + kIp6 + kNa);
    ethernet(p, to_mac, mac, kEtherIp6);
    p.push_back(0x60); // version 6, traffic class 0, flow label 0
    p.insert(p.end(), 3, 0);
    put16(p, kNa);
    p.push_back(kIcmp6);
    p.push_back(255);  // hop limit
    append(p, target); // from the VIP
    append(p, to);
    std::size_t icmp_at = p.size();
    p.push_back(kNaType);
    p.push_back(0);
    put16(p, 0);                            // checksum, below
    p.push_back(unspecified ? 0x20 : 0x60); // R=0, S (unless DAD), O=1
    p.insert(p.end(), 3, 0);
    append(p, target);
    p.push_back(kOptTarget);
    p.push_back(1);
    append(p, mac);
    std::span<const std::uint8_t> out(p);
    auto sum = icmpv6_checksum(out.subspan<kEth + 8, 16>(), out.subspan<kEth + 24, 16>(),
                               out.subspan(icmp_at));
    p[icmp_at + 2] = static_cast<std::uint8_t>(sum >> 8);
    p[icmp_at + 3] = static_cast<std::uint8_t>(sum & 0xff);
    return r;
}

} // namespace

std::uint16_t icmpv6_checksum(std::span<const std::uint8_t, 16> src,
                              std::span<const std::uint8_t, 16> dst,
                              std::span<const std::uint8_t> icmp)
{
    std::uint64_t sum = 0;
    auto add = [&sum](std::span<const std::uint8_t> bytes) {
        for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
            sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
        if (bytes.size() % 2 != 0)
            sum += static_cast<std::uint32_t>(bytes.back() << 8);
    };
    add(src);
    add(dst);
    sum += icmp.size() >> 16;
    sum += icmp.size() & 0xffff;
    sum += kIcmp6;
    add(icmp);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::optional<NeighbourReply> neighbour_reply(std::span<const std::uint8_t> frame,
                                              const MacAddress& mac,
                                              std::span<const config::IpAddress> vips)
{
    if (frame.size() < kEth)
        return std::nullopt;
    switch (get16(frame, 12)) {
    case kEtherArp:
        return arp_reply(frame, mac, vips);
    case kEtherIp6:
        return na_reply(frame, mac, vips);
    default:
        return std::nullopt;
    }
}

} // namespace dlba::arrayd
