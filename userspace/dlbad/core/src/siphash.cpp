// SipHash-2-4 as specified in section 2 of the SipHash paper: four 64-bit words of state
// initialised from the key and the constants "somepseudorandomlygeneratedbytes", two SipRounds
// per 8-byte message word (compression), the last word carrying the message length modulo 256 in
// its top byte, then 0xff into v2 and four SipRounds (finalisation).

#include <dlbad/siphash.h>

#include <openssl/rand.h>

#include <bit>
#include <cstring>
#include <stdexcept>

namespace dlba::dlbad {

namespace {

inline std::uint64_t load_le64(const unsigned char* p) noexcept
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

struct State {
    std::uint64_t v0, v1, v2, v3;

    void round() noexcept
    {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    void compress(std::uint64_t m) noexcept
    {
        v3 ^= m;
        round(); // c = 2
        round();
        v0 ^= m;
    }
};

} // namespace

SipKey SipKey::from_bytes(const std::array<std::uint8_t, 16>& bytes) noexcept
{
    return SipKey{load_le64(bytes.data()), load_le64(bytes.data() + 8)};
}

SipKey SipKey::from_string(std::string_view bytes)
{
    if (bytes.size() != 16)
        throw std::invalid_argument("a SipHash key is 16 bytes, not " +
                                    std::to_string(bytes.size()));
    std::array<std::uint8_t, 16> raw{};
    std::memcpy(raw.data(), bytes.data(), raw.size());
    return from_bytes(raw);
}

SipKey SipKey::random()
{
    std::array<std::uint8_t, 16> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return from_bytes(raw);
}

std::uint64_t siphash24(const SipKey& key, std::string_view data) noexcept
{
    State s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
            key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t n = data.size();
    const std::size_t whole = n - n % 8;
    for (std::size_t i = 0; i < whole; i += 8)
        s.compress(load_le64(p + i));
    // Last word: the 0-7 remaining bytes, little-endian, and the length mod 256 in the top byte.
    std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
    for (std::size_t i = whole; i < n; ++i)
        last |= static_cast<std::uint64_t>(p[i]) << (8 * (i - whole));
    s.compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) // d = 4
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace dlba::dlbad
