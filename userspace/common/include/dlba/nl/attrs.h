#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dlba::nl {

// The attributes of one level of a netlink message, indexed by type.
// Attributes above max_type are ignored (newer kernels may add some); a
// truncated or overlong attribute, or a value of the wrong size, is a
// protocol error (nl::Error(EPROTO)).  Holds pointers into the message, so
// it must not outlive it.
class Attrs {
public:
    // The attributes following 'offset' bytes of payload (e.g. GENL_HDRLEN).
    static Attrs parse(const nlmsghdr* nlh, size_t offset, uint16_t max_type);
    // The attributes inside a nested attribute.
    static Attrs nested(const nlattr* nest, uint16_t max_type);
    // The attributes in a raw buffer.
    static Attrs parse_payload(const void* data, size_t len, uint16_t max_type);

    [[nodiscard]] bool has(uint16_t type) const;
    [[nodiscard]] const nlattr* get(uint16_t type) const; // nullptr if absent

    // Accessors for required attributes: throw nl::Error(EPROTO) when the
    // attribute is absent or has the wrong size.
    [[nodiscard]] uint8_t u8(uint16_t type) const;
    [[nodiscard]] uint16_t u16(uint16_t type) const;
    [[nodiscard]] uint32_t u32(uint16_t type) const;
    [[nodiscard]] uint64_t u64(uint16_t type) const;
    [[nodiscard]] std::span<const uint8_t> bytes(uint16_t type) const;
    [[nodiscard]] std::string str(uint16_t type) const;
    [[nodiscard]] Attrs nest(uint16_t type, uint16_t max_type) const;

    // Optional variants: std::nullopt when absent, error when malformed.
    [[nodiscard]] std::optional<uint8_t> opt_u8(uint16_t type) const;
    [[nodiscard]] std::optional<uint16_t> opt_u16(uint16_t type) const;
    [[nodiscard]] std::optional<uint32_t> opt_u32(uint16_t type) const;
    [[nodiscard]] std::optional<uint64_t> opt_u64(uint16_t type) const;

private:
    explicit Attrs(uint16_t max_type) : table_(size_t(max_type) + 1, nullptr) {}
    void fill(const void* data, size_t len);
    const nlattr* require(uint16_t type, size_t len) const;

    std::vector<const nlattr*> table_;
};

} // namespace dlba::nl
