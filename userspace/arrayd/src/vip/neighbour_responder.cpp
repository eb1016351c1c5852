#include "vip/neighbour_responder.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "vip/neighbour_reply.h"
#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

namespace {

std::system_error sys_error(const std::string& what)
{
    return {errno, std::generic_category(), what};
}

// Accepts incoming ARP requests and IPv6 packets whose next header is ICMPv6 of type 135 (no
// extension headers: RFC 4861 solicitations carry none); everything else stays in the kernel.
// Offsets are of the Ethernet frame.  The answers the socket itself sends are not looked at.
constexpr std::uint32_t kAccept = 0xffff;
// clang-format off
const std::array<sock_filter, 13> kFilter{{
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 10, 0), // -> drop
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                      // ethertype
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 0, 2),           // not ARP -> IPv6?
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),                      // ARP operation
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 6),                // request -> accept, else drop
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 5),           // not IPv6 -> drop
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),                      // IPv6 next header
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),               // not ICMPv6 -> drop
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),                      // ICMPv6 type
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 0, 1),              // NS -> accept, else drop
    BPF_STMT(BPF_RET | BPF_K, kAccept),
    BPF_STMT(BPF_RET | BPF_K, 0),
}};
// clang-format on

} // namespace

NeighbourResponder::NeighbourResponder(EventLoop& loop, const std::string& interface,
                                       std::vector<config::IpAddress> vips)
    : loop_(loop),
      interface_(interface),
      vips_(std::move(vips))
{
    ifindex_ = ::if_nametoindex(interface.c_str());
    if (ifindex_ == 0)
        throw sys_error("interface " + interface);
    // Protocol 0: nothing is queued before the filter is attached and the socket bound.
    packet_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!packet_)
        throw sys_error("AF_PACKET socket for ARP/NS answers on " + interface);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(packet_.get(), SIOCGIFHWADDR, &ifr) < 0)
        throw sys_error("MAC address of " + interface);
    std::memcpy(mac_.data(), ifr.ifr_hwaddr.sa_data, mac_.size());
    sock_fprog prog{static_cast<unsigned short>(kFilter.size()),
                    const_cast<sock_filter*>(kFilter.data())};
    if (::setsockopt(packet_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
        throw sys_error("BPF filter of the ARP/NS socket on " + interface);
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = static_cast<int>(ifindex_);
    if (::bind(packet_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
        throw sys_error("binding the ARP/NS socket to " + interface);
    for (const auto& ip : vips_) {
        if (ip.family != AF_INET6)
            continue;
        if (!mld_) {
            mld_.reset(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
            if (!mld_)
                throw sys_error("IPv6 socket for solicited-node groups on " + interface);
        }
        ipv6_mreq m{};
        static constexpr std::uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0,   0,
                                                     0,    0,    0, 0, 1, 0xff};
        std::memcpy(m.ipv6mr_multiaddr.s6_addr, kPrefix, sizeof(kPrefix));
        std::memcpy(m.ipv6mr_multiaddr.s6_addr + 13, ip.bytes.data() + 13, 3);
        m.ipv6mr_interface = ifindex_;
        // Two VIPs may share a group: EADDRINUSE is that one, joined already.
        if (::setsockopt(mld_.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m)) < 0 &&
            errno != EADDRINUSE)
            throw sys_error("joining a solicited-node group on " + interface);
    }
    loop_.add(packet_.get(), EPOLLIN, this);
}

NeighbourResponder::~NeighbourResponder()
{
    close();
}

void NeighbourResponder::close() noexcept
{
    if (packet_) {
        loop_.remove(packet_.get());
        packet_.reset();
    }
    mld_.reset();
}

void NeighbourResponder::on_events(std::uint32_t /*events*/)
{
    if (!packet_)
        return; // closed, retired: an event of the batch that closed it
    std::array<std::uint8_t, 2048> buf{};
    // Edge-triggered: read until EAGAIN.
    for (;;) {
        sockaddr_ll from{};
        socklen_t from_len = sizeof(from);
        ssize_t n = ::recvfrom(packet_.get(), buf.data(), buf.size(), MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                DLBA_LOG(LogLevel::Warning, "ARP/NS socket on %s: %s", interface_.c_str(),
                         std::strerror(errno));
            return;
        }
        if (from.sll_pkttype == PACKET_OUTGOING || static_cast<std::size_t>(n) > buf.size())
            continue;
        auto reply =
            neighbour_reply(std::span<const std::uint8_t>(buf.data(), std::size_t(n)), mac_, vips_);
        if (!reply)
            continue;
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_ifindex = static_cast<int>(ifindex_);
        to.sll_halen = 6;
        std::memcpy(to.sll_addr, reply->frame.data(), 6);
        if (::sendto(packet_.get(), reply->frame.data(), reply->frame.size(), MSG_DONTWAIT,
                     reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
            // Logged once per power of two: a full queue must not flood the log.
            ++send_errors_;
            if ((send_errors_ & (send_errors_ - 1)) == 0)
                DLBA_LOG(LogLevel::Warning, "ARP/NS answer on %s: %s (%llu failed)",
                         interface_.c_str(), std::strerror(errno),
                         static_cast<unsigned long long>(send_errors_));
            continue;
        }
        if (reply->kind == NeighbourReplyKind::Arp)
            ++arp_replies_;
        else
            ++na_replies_;
    }
}

} // namespace dlba::arrayd
