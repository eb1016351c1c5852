#include "dlba/nl/message.h"

#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <string>

namespace dlba::nl {

Message::Message(uint16_t family, uint8_t cmd, uint8_t version, size_t capacity)
    : buf_(capacity < MNL_NLMSG_HDRLEN + GENL_HDRLEN ? MNL_NLMSG_HDRLEN + GENL_HDRLEN : capacity)
{
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data());
    nlh->nlmsg_type = family;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    genl->cmd = cmd;
    genl->version = version;
}

void Message::put(uint16_t type, const void* data, size_t len)
{
    if (!mnl_attr_put_check(header(), buf_.size(), type, len, data))
        throw Error(EMSGSIZE, "netlink request too large (attribute " + std::to_string(type) + ")");
}

Message& Message::put_u8(uint16_t type, uint8_t value)
{
    put(type, &value, sizeof(value));
    return *this;
}

Message& Message::put_u16(uint16_t type, uint16_t value)
{
    put(type, &value, sizeof(value));
    return *this;
}

Message& Message::put_u32(uint16_t type, uint32_t value)
{
    put(type, &value, sizeof(value));
    return *this;
}

Message& Message::put_u64(uint16_t type, uint64_t value)
{
    put(type, &value, sizeof(value));
    return *this;
}

Message& Message::put_bytes(uint16_t type, std::span<const uint8_t> data)
{
    put(type, data.data(), data.size());
    return *this;
}

Message& Message::put_str(uint16_t type, std::string_view value)
{
    std::string z(value);
    put(type, z.c_str(), z.size() + 1);
    return *this;
}

nlattr* Message::begin_nest(uint16_t type)
{
    nlattr* nest = mnl_attr_nest_start_check(header(), buf_.size(), type);
    if (!nest)
        throw Error(EMSGSIZE, "netlink request too large (nest " + std::to_string(type) + ")");
    return nest;
}

void Message::end_nest(nlattr* nest)
{
    mnl_attr_nest_end(header(), nest);
}

nlmsghdr* Message::header() noexcept
{
    return reinterpret_cast<nlmsghdr*>(buf_.data());
}

const nlmsghdr* Message::header() const noexcept
{
    return reinterpret_cast<const nlmsghdr*>(buf_.data());
}

size_t Message::size() const noexcept
{
    return header()->nlmsg_len;
}

} // namespace dlba::nl
