#pragma once

#include "dlba/nl/message.h"

#include <linux/netlink.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct mnl_socket;

namespace dlba::nl {

// A NETLINK_GENERIC socket (libmnl) with extended acks enabled.  Every
// operation is synchronous: send one request, read until its ack or the end
// of its dump.  Failures throw nl::Error carrying errno and the kernel's
// extack message.
class GenlSocket {
public:
    using Handler = std::function<void(const nlmsghdr*)>;
    using WarningHandler = std::function<void(const std::string&)>;

    GenlSocket();
    ~GenlSocket();
    GenlSocket(GenlSocket&&) noexcept;
    GenlSocket& operator=(GenlSocket&&) noexcept;
    GenlSocket(const GenlSocket&) = delete;
    GenlSocket& operator=(const GenlSocket&) = delete;

    // The id of a generic netlink family, resolved through the controller.
    // Throws nl::Error(ENOENT) if the family is not registered.
    uint16_t family_id(std::string_view name);

    // The id of multicast group 'group' of family 'family'; nl::Error(ENOENT)
    // if the family or the group does not exist.
    uint32_t mcast_group_id(std::string_view family, std::string_view group);

    // Joins multicast group 'id' (NETLINK_ADD_MEMBERSHIP): notifications
    // then arrive on this socket, so use one socket for them and another
    // for requests.  Grows the receive buffer (SO_RCVBUFFORCE, else
    // SO_RCVBUF, best effort) so that bursts overrun it less often.
    void join_group(uint32_t id);

    // Reads notifications until 'on_message' returns false.  When the
    // kernel dropped some (the receive buffer overran: ENOBUFS) it calls
    // 'on_lost' instead, and goes on unless that returns false.
    using Listener = std::function<bool(const nlmsghdr*)>;
    void listen(const Listener& on_message, const std::function<bool()>& on_lost);

    // For an event loop: the socket's fd, and set_nonblocking() before reading it with
    // read_pending(), which hands every notification already queued to 'on_message' (and
    // 'on_lost' for an ENOBUFS, as listen()) and returns once the socket is empty (EAGAIN)
    // instead of waiting.  Throws nl::Error like listen().
    [[nodiscard]] int fd() const noexcept;
    void set_nonblocking();
    void read_pending(const std::function<void(const nlmsghdr*)>& on_message,
                      const std::function<void()>& on_lost);

    // Sends 'msg' with NLM_F_ACK and calls 'on_reply' for every reply
    // message before the ack.
    void request(Message& msg, const Handler& on_reply = {});

    // Sends 'msg' as a dump (NLM_F_DUMP) and calls 'on_reply' for every
    // part.  If the kernel flags the dump inconsistent (NLM_F_DUMP_INTR, a
    // concurrent change), calls 'on_restart' and dumps again, up to
    // 'attempts' times, then throws nl::Error(EAGAIN).
    void dump(Message& msg, const Handler& on_reply, const std::function<void()>& on_restart,
              int attempts = 10);

    // One dump pass, for callers that handle inconsistency themselves:
    // returns false if the kernel flagged it NLM_F_DUMP_INTR.
    bool dump_once(Message& msg, const Handler& on_reply);

    // Called with the text of an extack warning on a successful ack.
    void set_warning_handler(WarningHandler handler) { on_warning_ = std::move(handler); }

    // Names the request attribute an error points at (NLMSGERR_ATTR_OFFS)
    // from its type path; the name is added to the error text as
    // "<extack> (<name>)" unless the text already mentions a word of it.
    // Return "" to add nothing.
    using AttributeNamer = std::function<std::string(const std::vector<uint16_t>&)>;
    void set_attribute_namer(AttributeNamer namer) { namer_ = std::move(namer); }

private:
    struct Closer {
        void operator()(mnl_socket* sock) const noexcept;
    };

    // Sends and reads replies until the ack or NLMSG_DONE; returns true if
    // any part of a dump carried NLM_F_DUMP_INTR.
    bool transact(Message& msg, const Handler& on_reply);
    // Hands the notifications among the `len` bytes read into rx_ to 'on_message' (acks, done
    // and no-ops left out); false once it returned false.
    bool notifications(ssize_t len, const Listener& on_message);

    std::unique_ptr<mnl_socket, Closer> sock_;
    uint32_t portid_ = 0;
    uint32_t seq_ = 0;
    std::vector<std::byte> rx_;
    WarningHandler on_warning_;
    AttributeNamer namer_;
};

} // namespace dlba::nl
