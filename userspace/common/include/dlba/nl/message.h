#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace dlba::nl {

// A netlink request being built: nlmsghdr + genlmsghdr + attributes, in a
// buffer of fixed capacity.  Every put checks the capacity and throws
// nl::Error(EMSGSIZE) instead of overrunning.
class Message {
public:
    // A generic netlink message for 'family' carrying command 'cmd'.
    Message(uint16_t family, uint8_t cmd, uint8_t version, size_t capacity = 4096);

    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    Message(Message&&) noexcept = default;
    Message& operator=(Message&&) noexcept = default;

    Message& put_u8(uint16_t type, uint8_t value);
    Message& put_u16(uint16_t type, uint16_t value);
    Message& put_u32(uint16_t type, uint32_t value);
    Message& put_u64(uint16_t type, uint64_t value);
    Message& put_bytes(uint16_t type, std::span<const uint8_t> data);
    Message& put_str(uint16_t type, std::string_view value); // NUL-terminated

    // Opens a nested attribute; pass the result to end_nest() once its
    // members are in.
    nlattr* begin_nest(uint16_t type);
    void end_nest(nlattr* nest);

    [[nodiscard]] nlmsghdr* header() noexcept;
    [[nodiscard]] const nlmsghdr* header() const noexcept;
    [[nodiscard]] size_t size() const noexcept;

private:
    void put(uint16_t type, const void* data, size_t len);

    std::vector<std::byte> buf_;
};

} // namespace dlba::nl
