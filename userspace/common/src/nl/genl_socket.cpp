#include "dlba/nl/genl_socket.h"

#include "dlba/nl/ack.h"
#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <fcntl.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <optional>

namespace dlba::nl {

namespace {

// Dump parts are at most ~32 KiB (the kernel caps its dump skbs there), doit
// replies are small; 64 KiB leaves room and truncation is still detected.
constexpr size_t kRxSize = 64 * 1024;

// Whether 'text' already mentions a word of 'name' ("no such service" and
// "service"): then naming the attribute again adds nothing.
bool mentions(const std::string& text, const std::string& name)
{
    auto lower = [](std::string s) {
        for (auto& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    std::string t = lower(text), n = lower(name);
    size_t pos = 0;
    while (pos < n.size()) {
        size_t end = n.find(' ', pos);
        std::string word = n.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (!word.empty() && t.find(word) != std::string::npos)
            return true;
        if (end == std::string::npos)
            break;
        pos = end + 1;
    }
    return false;
}

} // namespace

void GenlSocket::Closer::operator()(mnl_socket* sock) const noexcept
{
    mnl_socket_close(sock);
}

GenlSocket::GenlSocket() : rx_(kRxSize)
{
    sock_.reset(mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC));
    if (!sock_)
        throw Error(errno, "cannot open generic netlink socket");
    if (mnl_socket_bind(sock_.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        throw Error(errno, "cannot bind generic netlink socket");
    int one = 1;
    // Extended acks carry the kernel's error text; capped acks keep an
    // error reply small even for a large request.  Both are best effort:
    // old kernels without them still work, just with terser errors.
    mnl_socket_setsockopt(sock_.get(), NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(sock_.get(), NETLINK_CAP_ACK, &one, sizeof(one));
    portid_ = mnl_socket_get_portid(sock_.get());
    seq_ = static_cast<uint32_t>(time(nullptr));
}

GenlSocket::~GenlSocket() = default;
GenlSocket::GenlSocket(GenlSocket&&) noexcept = default;
GenlSocket& GenlSocket::operator=(GenlSocket&&) noexcept = default;

uint16_t GenlSocket::family_id(std::string_view name)
{
    Message msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
    msg.put_str(CTRL_ATTR_FAMILY_NAME, name);
    uint16_t id = 0;
    try {
        request(msg, [&](const nlmsghdr* nlh) {
            auto attrs = Attrs::parse(nlh, GENL_HDRLEN, CTRL_ATTR_MAX);
            id = attrs.u16(CTRL_ATTR_FAMILY_ID);
        });
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            throw Error(ENOENT, "generic netlink family '" + std::string(name) + "' not found");
        throw;
    }
    if (!id)
        throw Error(EPROTO,
                    "no id in the controller's reply for family '" + std::string(name) + "'");
    return id;
}

uint32_t GenlSocket::mcast_group_id(std::string_view family, std::string_view group)
{
    Message msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
    msg.put_str(CTRL_ATTR_FAMILY_NAME, family);
    std::optional<uint32_t> id;
    try {
        request(msg, [&](const nlmsghdr* nlh) {
            auto attrs = Attrs::parse(nlh, GENL_HDRLEN, CTRL_ATTR_MAX);
            const nlattr* groups = attrs.get(CTRL_ATTR_MCAST_GROUPS);
            if (!groups)
                return;
            // An array: one nest per group, its type the index.
            const auto* g = static_cast<const nlattr*>(mnl_attr_get_payload(groups));
            int left = static_cast<int>(mnl_attr_get_payload_len(groups));
            for (; mnl_attr_ok(g, left); g = mnl_attr_next(g)) {
                left -= static_cast<int>(MNL_ALIGN(g->nla_len));
                auto grp = Attrs::nested(g, CTRL_ATTR_MCAST_GRP_MAX);
                if (grp.has(CTRL_ATTR_MCAST_GRP_NAME) && grp.str(CTRL_ATTR_MCAST_GRP_NAME) == group)
                    id = grp.u32(CTRL_ATTR_MCAST_GRP_ID);
            }
        });
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            throw Error(ENOENT, "generic netlink family '" + std::string(family) + "' not found");
        throw;
    }
    if (!id)
        throw Error(ENOENT, "generic netlink family '" + std::string(family) +
                                "' has no multicast group '" + std::string(group) + "'");
    return *id;
}

void GenlSocket::join_group(uint32_t id)
{
    int fd = mnl_socket_get_fd(sock_.get());
    // Room for a burst: a whole-table change of 65536 buckets is ~70
    // datagrams of ~4 KiB.  Forcing needs CAP_NET_ADMIN, which joining
    // needs too; the plain size is capped by net.core.rmem_max.
    int size = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    if (mnl_socket_setsockopt(sock_.get(), NETLINK_ADD_MEMBERSHIP, &id, sizeof(id)) < 0) {
        int err = errno;
        if (err == EPERM)
            throw Error(EPERM, "joining the multicast group needs CAP_NET_ADMIN");
        throw Error(err, "cannot join multicast group " + std::to_string(id));
    }
}

void GenlSocket::listen(const Listener& on_message, const std::function<bool()>& on_lost)
{
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(sock_.get(), rx_.data(), rx_.size());
        if (len < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                if (on_lost && !on_lost())
                    return;
                continue;
            }
            throw Error(errno);
        }
        if (!notifications(len, on_message))
            return;
    }
}

bool GenlSocket::notifications(ssize_t len, const Listener& on_message)
{
    int left = static_cast<int>(len);
    auto* nlh = reinterpret_cast<const nlmsghdr*>(rx_.data());
    for (; message_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_DONE ||
            nlh->nlmsg_type == NLMSG_ERROR)
            continue;
        if (!on_message(nlh))
            return false;
    }
    if (left > 0)
        throw Error(EPROTO, "truncated netlink message");
    return true;
}

int GenlSocket::fd() const noexcept
{
    return mnl_socket_get_fd(sock_.get());
}

void GenlSocket::set_nonblocking()
{
    int flags = fcntl(fd(), F_GETFL);
    if (flags < 0 || fcntl(fd(), F_SETFL, flags | O_NONBLOCK) < 0)
        throw Error(errno, "cannot make the netlink socket non-blocking");
}

void GenlSocket::read_pending(const std::function<void(const nlmsghdr*)>& on_message,
                              const std::function<void()>& on_lost)
{
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(sock_.get(), rx_.data(), rx_.size());
        if (len < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == ENOBUFS) {
                if (on_lost)
                    on_lost();
                continue;
            }
            throw Error(errno);
        }
        notifications(len, [&on_message](const nlmsghdr* nlh) {
            on_message(nlh);
            return true;
        });
    }
}

void GenlSocket::request(Message& msg, const Handler& on_reply)
{
    msg.header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    transact(msg, on_reply);
}

void GenlSocket::dump(Message& msg, const Handler& on_reply,
                      const std::function<void()>& on_restart, int attempts)
{
    msg.header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    for (int i = 0; i < attempts; i++) {
        if (i > 0 && on_restart)
            on_restart();
        if (!transact(msg, on_reply))
            return;
    }
    throw Error(EAGAIN, "the kernel tables kept changing during the dump");
}

bool GenlSocket::dump_once(Message& msg, const Handler& on_reply)
{
    msg.header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    return !transact(msg, on_reply);
}

bool GenlSocket::transact(Message& msg, const Handler& on_reply)
{
    nlmsghdr* req = msg.header();
    req->nlmsg_seq = ++seq_;
    req->nlmsg_pid = 0;
    if (mnl_socket_sendto(sock_.get(), req, req->nlmsg_len) < 0)
        throw Error(errno);

    bool interrupted = false;
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(sock_.get(), rx_.data(), rx_.size());
        if (len < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOSPC)
                throw Error(EMSGSIZE, "netlink reply larger than the receive buffer");
            throw Error(errno);
        }
        int left = static_cast<int>(len);
        auto* nlh = reinterpret_cast<const nlmsghdr*>(rx_.data());
        for (; message_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
            // Replies to an older request (one we gave up on) are skipped.
            if (!mnl_nlmsg_seq_ok(nlh, req->nlmsg_seq) || !mnl_nlmsg_portid_ok(nlh, portid_))
                continue;
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
                interrupted = true;
            switch (nlh->nlmsg_type) {
            case NLMSG_NOOP:
                continue;
            case NLMSG_OVERRUN:
                throw Error(ENOBUFS, "netlink overrun");
            case NLMSG_ERROR:
            case NLMSG_DONE: {
                Ack ack = parse_ack(nlh);
                if (ack.error) {
                    std::string text = ack.message;
                    if (ack.offset && namer_) {
                        std::string name = namer_(attribute_path(req, GENL_HDRLEN, *ack.offset));
                        if (!name.empty() && !mentions(text, name))
                            text = (text.empty() ? "invalid value" : text) + " (" + name + ")";
                    }
                    throw Error(ack.error, text);
                }
                if (!ack.message.empty() && on_warning_)
                    on_warning_(ack.message);
                return interrupted;
            }
            default:
                if (on_reply)
                    on_reply(nlh);
            }
        }
        if (left > 0)
            throw Error(EPROTO, "truncated netlink message");
    }
}

} // namespace dlba::nl
