// libFuzzer target: Ethernet frames as dlba-arrayd's ARP/NS socket hands them to
// neighbour_reply() (any bytes: the BPF filter is no guarantee of well-formed frames).  Nothing
// may crash or read out of bounds; an answer is always a whole ARP reply or neighbour
// advertisement from the VIP asked for.
#include <sys/socket.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "vip/neighbour_reply.h"

using namespace dlba;
using namespace dlba::arrayd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const MacAddress kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
    static const std::vector<config::IpAddress> kVips{config::parse_ip("10.77.0.50"),
                                                      config::parse_ip("2001:db8:100::10")};
    auto r = neighbour_reply(std::span<const std::uint8_t>(data, size), kMac, kVips);
    if (!r)
        return 0;
    std::size_t want = r->kind == NeighbourReplyKind::Arp ? 14 + 28 : 14 + 40 + 32;
    if (r->frame.size() != want)
        std::abort();
    if (r->kind == NeighbourReplyKind::Na) {
        std::span<const std::uint8_t> f(r->frame);
        if (icmpv6_checksum(f.subspan<22, 16>(), f.subspan<38, 16>(), f.subspan(54)) != 0)
            std::abort();
    }
    return 0;
}
