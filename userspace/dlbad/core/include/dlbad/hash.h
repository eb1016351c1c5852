#pragma once

// Stable 64-bit hash for URLs, session ids and ring points.  Deterministic
// across processes, machines and versions (every DLBA server of an array
// must place a URL on the same cache), fast (8 bytes per step, 128-bit
// multiply-fold mixing), not cryptographic.

#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

[[nodiscard]] std::uint64_t hash64(std::string_view data, std::uint64_t seed = 0) noexcept;

// Bijective 64-bit finaliser (good avalanche); hash of an integer.
[[nodiscard]] std::uint64_t mix64(std::uint64_t x) noexcept;

} // namespace dlba::dlbad
