#include "vip/address_socket.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <ctime>
#include <system_error>
#include <vector>

#include <dlba/nl/ack.h>
#include <dlba/nl/error.h>

namespace dlba::arrayd {

void AddressSocket::Closer::operator()(mnl_socket* sock) const noexcept
{
    mnl_socket_close(sock);
}

AddressSocket::AddressSocket()
{
    sock_.reset(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
    if (!sock_)
        throw nl::Error(errno, "cannot open rtnetlink socket");
    if (mnl_socket_bind(sock_.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        throw nl::Error(errno, "cannot bind rtnetlink socket");
    int one = 1;
    mnl_socket_setsockopt(sock_.get(), NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(sock_.get(), NETLINK_CAP_ACK, &one, sizeof(one));
    portid_ = mnl_socket_get_portid(sock_.get());
    seq_ = static_cast<unsigned>(::time(nullptr));
}

AddressSocket::~AddressSocket() = default;

void AddressSocket::request(int type, unsigned flags, unsigned ifindex, const VipAddress& address)
{
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = static_cast<std::uint16_t>(type);
    nlh->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    nlh->nlmsg_seq = ++seq_;
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = static_cast<std::uint8_t>(address.ip.family);
    ifa->ifa_prefixlen = static_cast<std::uint8_t>(address.prefix);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = ifindex;
    std::size_t len = address.ip.family == AF_INET ? 4 : 16;
    mnl_attr_put(nlh, IFA_LOCAL, len, address.ip.bytes.data());
    mnl_attr_put(nlh, IFA_ADDRESS, len, address.ip.bytes.data());
    if (address.ip.family == AF_INET6 && type == RTM_NEWADDR)
        mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
    if (mnl_socket_sendto(sock_.get(), nlh, nlh->nlmsg_len) < 0)
        throw nl::Error(errno);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw nl::Error(errno);
        }
        int left = static_cast<int>(n);
        for (auto* r = reinterpret_cast<const nlmsghdr*>(buf.data()); nl::message_ok(r, left);
             r = mnl_nlmsg_next(r, &left)) {
            if (!mnl_nlmsg_seq_ok(r, seq_) || !mnl_nlmsg_portid_ok(r, portid_))
                continue;
            if (r->nlmsg_type != NLMSG_ERROR && r->nlmsg_type != NLMSG_DONE)
                continue;
            auto ack = nl::parse_ack(r);
            if (ack.error)
                throw nl::Error(ack.error, ack.message);
            return;
        }
    }
}

void AddressSocket::add(unsigned ifindex, const VipAddress& address)
{
    request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, address);
}

bool AddressSocket::remove(unsigned ifindex, const VipAddress& address)
{
    try {
        request(RTM_DELADDR, 0, ifindex, address);
        return true;
    } catch (const nl::Error& e) {
        if (e.code() == EADDRNOTAVAIL || e.code() == ENOENT || e.code() == ESRCH)
            return false;
        throw;
    }
}

unsigned interface_index(const std::string& name)
{
    unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0)
        throw std::system_error(errno, std::generic_category(), "interface " + name);
    return index;
}

} // namespace dlba::arrayd
