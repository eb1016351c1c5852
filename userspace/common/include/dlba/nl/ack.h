#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlba::nl {

// The content of an NLMSG_ERROR (ack) or NLMSG_DONE message, including the
// extended ack TLVs the kernel adds when NETLINK_EXT_ACK is set.
struct Ack {
    int error = 0;                        // 0 or a positive errno value
    std::string message;                  // NLMSGERR_ATTR_MSG, may be empty
    std::optional<uint32_t> offset;       // NLMSGERR_ATTR_OFFS
    std::optional<uint32_t> missing_type; // NLMSGERR_ATTR_MISS_TYPE
};

// Whether a whole message starts at 'nlh' within 'len' bytes.  Unlike
// mnl_nlmsg_ok() it also refuses lengths of 2 GiB and more (which that
// compares as negative ints), so a walk with mnl_nlmsg_next() stays inside
// the buffer.
bool message_ok(const nlmsghdr* nlh, int len);

// Parses an NLMSG_ERROR or NLMSG_DONE message.  Throws nl::Error(EPROTO) if
// the message is too short to be one.
Ack parse_ack(const nlmsghdr* nlh);

// The attribute of 'request' at byte 'offset' (NLMSGERR_ATTR_OFFS counts
// from the start of the nlmsghdr) as the list of attribute types from the
// top level down through nests, e.g. {DLBA_A_SERVER, DLBA_SRV_A_WEIGHT}.
// Empty when no attribute starts there.  'header_len' is the family
// header after the nlmsghdr (GENL_HDRLEN).
std::vector<uint16_t> attribute_path(const nlmsghdr* request, size_t header_len, uint32_t offset);

} // namespace dlba::nl
