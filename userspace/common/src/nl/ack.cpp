#include "dlba/nl/ack.h"

#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

namespace dlba::nl {

namespace {

// The errno of a kernel status: 0, or -errno with errno below 4096 (the
// kernel's MAX_ERRNO); anything else is not a status it sends.
int errno_of(int status)
{
    if (status == 0)
        return 0;
    if (status < 0 && status > -4096)
        return -status;
    return EPROTO;
}

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

bool message_ok(const nlmsghdr* nlh, int len)
{
    return len >= static_cast<int>(sizeof(nlmsghdr)) && nlh->nlmsg_len >= sizeof(nlmsghdr) &&
           nlh->nlmsg_len <= static_cast<uint32_t>(len);
}

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
        ack.error = errno_of(status);
        parse_tlvs(ack, nlh, MNL_ALIGN(sizeof(int)));
        return ack;
    }
    if (nlh->nlmsg_type != NLMSG_ERROR || payload < sizeof(nlmsgerr))
        throw Error(EPROTO, "malformed netlink ack");
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
    ack.error = errno_of(err.error);
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

namespace {

bool find_path(const nlattr* attr, int len, uint32_t base, uint32_t offset,
               std::vector<uint16_t>& path)
{
    for (; mnl_attr_ok(attr, len); attr = mnl_attr_next(attr)) {
        uint32_t at = base;
        uint32_t size = MNL_ALIGN(attr->nla_len);
        if (offset >= at && offset < at + size) {
            path.push_back(mnl_attr_get_type(attr));
            if (offset == at)
                return true;
            if ((attr->nla_type & NLA_F_NESTED) && offset >= at + MNL_ATTR_HDRLEN)
                return find_path(static_cast<const nlattr*>(mnl_attr_get_payload(attr)),
                                 static_cast<int>(mnl_attr_get_payload_len(attr)),
                                 at + MNL_ATTR_HDRLEN, offset, path);
            return false;
        }
        base += size;
        len -= static_cast<int>(size);
    }
    return false;
}

} // namespace

std::vector<uint16_t> attribute_path(const nlmsghdr* request, size_t header_len, uint32_t offset)
{
    std::vector<uint16_t> path;
    uint32_t first = static_cast<uint32_t>(MNL_NLMSG_HDRLEN + MNL_ALIGN(header_len));
    if (request->nlmsg_len < first)
        return {};
    auto* attr = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(request) + first);
    if (!find_path(attr, static_cast<int>(request->nlmsg_len - first), first, offset, path))
        return {};
    return path;
}

} // namespace dlba::nl
