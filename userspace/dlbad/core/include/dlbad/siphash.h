#pragma once

// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit
// hash.  Without the 128-bit key nobody can choose inputs that collide or that land on one ring
// arc, so URLs and session ids chosen by clients cannot pile onto one server (an attack on any
// fixed, public hash such as hash64()).  Deterministic for a given key: every DLBA server of an
// array that must agree on placement shares the key (dlbad's hash_key_file).

#include <array>
#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

struct SipKey {
    std::uint64_t k0 = 0; // key bytes 0-7, little-endian
    std::uint64_t k1 = 0; // key bytes 8-15, little-endian

    // From 16 raw key bytes.
    [[nodiscard]] static SipKey from_bytes(const std::array<std::uint8_t, 16>& bytes) noexcept;
    // From exactly 16 bytes of a string; throws std::invalid_argument otherwise.
    [[nodiscard]] static SipKey from_string(std::string_view bytes);
    // 16 bytes from the operating system's random source (OpenSSL RAND_bytes); throws
    // std::runtime_error if it fails.
    [[nodiscard]] static SipKey random();

    friend bool operator==(const SipKey&, const SipKey&) = default;
};

[[nodiscard]] std::uint64_t siphash24(const SipKey& key, std::string_view data) noexcept;

} // namespace dlba::dlbad
