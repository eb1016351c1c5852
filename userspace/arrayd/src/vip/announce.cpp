#include "vip/announce.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace dlba::arrayd {

namespace {

void put16(std::vector<std::uint8_t>& p, std::uint16_t v)
{
    p.push_back(static_cast<std::uint8_t>(v >> 8));
    p.push_back(static_cast<std::uint8_t>(v & 0xff));
}

std::system_error sys_error(const std::string& what)
{
    return {errno, std::generic_category(), what};
}

} // namespace

std::vector<std::uint8_t> build_gratuitous_arp(const MacAddress& mac, const config::IpAddress& ip)
{
    std::vector<std::uint8_t> p;
    p.reserve(28);
    put16(p, ARPHRD_ETHER);
    put16(p, ETHERTYPE_IP);
    p.push_back(6); // hardware address length
    p.push_back(4); // protocol address length
    put16(p, ARPOP_REQUEST);
    p.insert(p.end(), mac.begin(), mac.end());                 // sender MAC
    p.insert(p.end(), ip.bytes.begin(), ip.bytes.begin() + 4); // sender IP: the VIP
    p.insert(p.end(), 6, 0);                                   // target MAC: unknown
    p.insert(p.end(), ip.bytes.begin(), ip.bytes.begin() + 4); // target IP: the VIP too
    return p;
}

std::vector<std::uint8_t> build_unsolicited_na(const MacAddress& mac, const config::IpAddress& ip)
{
    std::vector<std::uint8_t> p;
    p.reserve(32);
    p.push_back(ND_NEIGHBOR_ADVERT);                     // type 136
    p.push_back(0);                                      // code
    put16(p, 0);                                         // checksum: the kernel's
    p.push_back(0x20);                                   // flags: R=0 S=0 O=1
    p.insert(p.end(), 3, 0);                             // reserved
    p.insert(p.end(), ip.bytes.begin(), ip.bytes.end()); // target address
    p.push_back(ND_OPT_TARGET_LINKADDR);                 // option 2
    p.push_back(1);                                      // length in units of 8 bytes
    p.insert(p.end(), mac.begin(), mac.end());
    return p;
}

Announcer::Announcer(const std::string& interface) : interface_(interface)
{
    ifindex_ = ::if_nametoindex(interface.c_str());
    if (ifindex_ == 0)
        throw sys_error("interface " + interface);
    arp_.reset(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    if (!arp_)
        throw sys_error("AF_PACKET socket for gratuitous ARP on " + interface);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(arp_.get(), SIOCGIFHWADDR, &ifr) < 0)
        throw sys_error("MAC address of " + interface);
    std::memcpy(mac_.data(), ifr.ifr_hwaddr.sa_data, mac_.size());
}

void Announcer::announce(const config::IpAddress& ip)
{
    if (ip.family == AF_INET) {
        auto p = build_gratuitous_arp(mac_, ip);
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_protocol = htons(ETH_P_ARP);
        to.sll_ifindex = static_cast<int>(ifindex_);
        to.sll_halen = 6;
        std::memset(to.sll_addr, 0xff, 6);
        if (::sendto(arp_.get(), p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof(to)) < 0)
            throw sys_error("gratuitous ARP on " + interface_);
        return;
    }
    if (!icmp6_) {
        UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
        if (!fd)
            throw sys_error("ICMPv6 socket for neighbour advertisements on " + interface_);
        int hops = 255; // RFC 4861: neighbour discovery is accepted only with hop limit 255
        int index = static_cast<int>(ifindex_);
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
            ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) < 0 ||
            ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, interface_.c_str(),
                         static_cast<socklen_t>(interface_.size())) < 0)
            throw sys_error("ICMPv6 socket options on " + interface_);
        icmp6_ = std::move(fd);
    }
    auto p = build_unsolicited_na(mac_, ip);
    // From the VIP itself (added without DAD, so usable at once), to all nodes.
    in6_pktinfo info{};
    std::memcpy(&info.ipi6_addr, ip.bytes.data(), 16);
    info.ipi6_ifindex = ifindex_;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(info))] = {};
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    to.sin6_scope_id = ifindex_;
    iovec iov{p.data(), p.size()};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = sizeof(to);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(info));
    std::memcpy(CMSG_DATA(c), &info, sizeof(info));
    if (::sendmsg(icmp6_.get(), &msg, 0) < 0)
        throw sys_error("neighbour advertisement on " + interface_);
}

} // namespace dlba::arrayd
