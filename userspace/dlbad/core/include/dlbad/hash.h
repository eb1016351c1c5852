#pragma once

// Stable 64-bit hash and integer mixer (ring point positions).  Deterministic
// across processes, machines and versions, fast (8 bytes per step, 128-bit
// multiply-fold mixing), not cryptographic and not keyed: anyone can compute
// it, so dlbad hashes client-chosen URLs and session ids with the keyed
// siphash24() (siphash.h) instead.

#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

[[nodiscard]] std::uint64_t hash64(std::string_view data, std::uint64_t seed = 0) noexcept;

// Bijective 64-bit finaliser (good avalanche); hash of an integer.
[[nodiscard]] std::uint64_t mix64(std::uint64_t x) noexcept;

} // namespace dlba::dlbad
