#include "dlba/nl/attrs.h"

#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

namespace dlba::nl {

namespace {

[[noreturn]] void malformed(const std::string& what)
{
    throw Error(EPROTO, "malformed netlink reply: " + what);
}

template <typename T>
T read_value(const nlattr* attr)
{
    T value;
    std::memcpy(&value, mnl_attr_get_payload(attr), sizeof(value));
    return value;
}

} // namespace

Attrs Attrs::parse(const nlmsghdr* nlh, size_t offset, uint16_t max_type)
{
    size_t payload = mnl_nlmsg_get_payload_len(nlh);
    if (payload < offset)
        malformed("message shorter than its header");
    return parse_payload(static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + MNL_ALIGN(offset),
                         payload - std::min(payload, size_t(MNL_ALIGN(offset))), max_type);
}

Attrs Attrs::nested(const nlattr* nest, uint16_t max_type)
{
    return parse_payload(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), max_type);
}

Attrs Attrs::parse_payload(const void* data, size_t len, uint16_t max_type)
{
    Attrs attrs(max_type);
    attrs.fill(data, len);
    return attrs;
}

void Attrs::fill(const void* data, size_t len)
{
    if (len > size_t(INT32_MAX))
        malformed("attribute area too large");
    int left = static_cast<int>(len);
    auto* attr = static_cast<const nlattr*>(data);
    while (mnl_attr_ok(attr, left)) {
        uint16_t type = mnl_attr_get_type(attr);
        if (type < table_.size())
            table_[type] = attr;
        left -= static_cast<int>(MNL_ALIGN(attr->nla_len));
        attr = mnl_attr_next(attr);
    }
    // Anything but alignment padding left over is a truncated attribute.
    if (left >= static_cast<int>(sizeof(nlattr)))
        malformed("truncated attribute");
}

bool Attrs::has(uint16_t type) const
{
    return get(type) != nullptr;
}

const nlattr* Attrs::get(uint16_t type) const
{
    return type < table_.size() ? table_[type] : nullptr;
}

const nlattr* Attrs::require(uint16_t type, size_t len) const
{
    const nlattr* attr = get(type);
    if (!attr)
        malformed("attribute " + std::to_string(type) + " missing");
    if (len && mnl_attr_get_payload_len(attr) != len)
        malformed("attribute " + std::to_string(type) + " has length " +
                  std::to_string(mnl_attr_get_payload_len(attr)) + ", expected " +
                  std::to_string(len));
    return attr;
}

uint8_t Attrs::u8(uint16_t type) const
{
    return read_value<uint8_t>(require(type, sizeof(uint8_t)));
}

uint16_t Attrs::u16(uint16_t type) const
{
    return read_value<uint16_t>(require(type, sizeof(uint16_t)));
}

uint32_t Attrs::u32(uint16_t type) const
{
    return read_value<uint32_t>(require(type, sizeof(uint32_t)));
}

uint64_t Attrs::u64(uint16_t type) const
{
    return read_value<uint64_t>(require(type, sizeof(uint64_t)));
}

std::span<const uint8_t> Attrs::bytes(uint16_t type) const
{
    const nlattr* attr = require(type, 0);
    return {static_cast<const uint8_t*>(mnl_attr_get_payload(attr)),
            mnl_attr_get_payload_len(attr)};
}

std::string Attrs::str(uint16_t type) const
{
    auto data = bytes(type);
    // NLA_NUL_STRING or NLA_STRING: stop at the first NUL if any.
    size_t n = 0;
    while (n < data.size() && data[n] != 0)
        ++n;
    return std::string(reinterpret_cast<const char*>(data.data()), n);
}

Attrs Attrs::nest(uint16_t type, uint16_t max_type) const
{
    return nested(require(type, 0), max_type);
}

std::optional<uint8_t> Attrs::opt_u8(uint16_t type) const
{
    return has(type) ? std::optional(u8(type)) : std::nullopt;
}

std::optional<uint16_t> Attrs::opt_u16(uint16_t type) const
{
    return has(type) ? std::optional(u16(type)) : std::nullopt;
}

std::optional<uint32_t> Attrs::opt_u32(uint16_t type) const
{
    return has(type) ? std::optional(u32(type)) : std::nullopt;
}

std::optional<uint64_t> Attrs::opt_u64(uint16_t type) const
{
    return has(type) ? std::optional(u64(type)) : std::nullopt;
}

} // namespace dlba::nl
