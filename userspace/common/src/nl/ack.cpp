#include "dlba/nl/ack.h"

#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

namespace dlba::nl {

namespace {

void parse_tlvs(Ack& ack, const nlmsghdr* nlh, size_t offset)
{
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return;
    size_t payload = mnl_nlmsg_get_payload_len(nlh);
    if (offset > payload)
        throw Error(EPROTO, "malformed netlink ack: TLVs beyond the message");
    auto tlvs = Attrs::parse_payload(static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + offset,
                                     payload - offset, NLMSGERR_ATTR_MAX);
    if (tlvs.has(NLMSGERR_ATTR_MSG))
        ack.message = tlvs.str(NLMSGERR_ATTR_MSG);
    ack.offset = tlvs.opt_u32(NLMSGERR_ATTR_OFFS);
    ack.missing_type = tlvs.opt_u32(NLMSGERR_ATTR_MISS_TYPE);
}

} // namespace

Ack parse_ack(const nlmsghdr* nlh)
{
    Ack ack;
    size_t payload = mnl_nlmsg_get_payload_len(nlh);
    if (nlh->nlmsg_type == NLMSG_DONE) {
        // A dump's end: an int status (0 or -errno), then optional TLVs.
        if (payload < sizeof(int))
            return ack;
        int status;
        std::memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
        ack.error = status < 0 ? -status : 0;
        parse_tlvs(ack, nlh, MNL_ALIGN(sizeof(int)));
        return ack;
    }
    if (nlh->nlmsg_type != NLMSG_ERROR || payload < sizeof(nlmsgerr))
        throw Error(EPROTO, "malformed netlink ack");
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
    ack.error = err.error < 0 ? -err.error : err.error;
    // The TLVs follow the echoed request: just its header when the kernel
    // capped the echo (NETLINK_CAP_ACK, or always for successful acks).
    size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
        if (err.msg.nlmsg_len < sizeof(nlmsghdr))
            throw Error(EPROTO, "malformed netlink ack: bad echoed header");
        offset += MNL_ALIGN(err.msg.nlmsg_len) - sizeof(nlmsghdr);
    }
    parse_tlvs(ack, nlh, offset);
    return ack;
}

} // namespace dlba::nl
