#include <dlbad/hash.h>

#include <bit>
#include <cstring>

namespace dlba::dlbad {

namespace {

constexpr std::uint64_t kP0 = 0x9e3779b97f4a7c15ull;
constexpr std::uint64_t kP1 = 0xd6e8feb86659fd93ull;
constexpr std::uint64_t kP2 = 0xa0761d6478bd642full;
constexpr std::uint64_t kP3 = 0xe7037ed1a0b428dbull;

// 64x64 -> 128-bit multiply, folded by xor of the halves.
inline std::uint64_t fold(std::uint64_t a, std::uint64_t b) noexcept
{
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

// Little-endian load, so the hash is the same on every architecture.
inline std::uint64_t load_le64(const char* p) noexcept
{
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big)
        v = __builtin_bswap64(v);
    return v;
}

} // namespace

std::uint64_t mix64(std::uint64_t x) noexcept
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

std::uint64_t hash64(std::string_view data, std::uint64_t seed) noexcept
{
    const char* p = data.data();
    std::size_t n = data.size();
    std::uint64_t h = seed ^ kP0;
    while (n >= 16) {
        h = fold(load_le64(p) ^ kP1 ^ h, load_le64(p + 8) ^ kP2);
        p += 16;
        n -= 16;
    }
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n >= 8) {
        a = load_le64(p);
        p += 8;
        n -= 8;
    }
    for (std::size_t i = 0; i < n; ++i)
        b |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    h = fold(a ^ kP1 ^ h, b ^ kP2 ^ (static_cast<std::uint64_t>(data.size()) * kP3));
    return mix64(h);
}

} // namespace dlba::dlbad
