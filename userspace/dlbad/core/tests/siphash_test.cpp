#include <dlbad/siphash.h>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <set>
#include <string>

namespace dlba::dlbad {
namespace {

SipKey paper_key()
{
    std::array<std::uint8_t, 16> k{};
    for (std::uint8_t i = 0; i < 16; ++i)
        k[i] = i;
    return SipKey::from_bytes(k);
}

// The SipHash paper's test vector (appendix A): key 00 01 .. 0f, message 00 01 .. 0e.
TEST(SipHash, PaperTestVector)
{
    std::string m;
    for (int i = 0; i < 15; ++i)
        m.push_back(static_cast<char>(i));
    EXPECT_EQ(siphash24(paper_key(), m), 0xa129ca6149be45e5ull);
}

// OpenSSL 3's SipHash MAC (8-byte output is the 64-bit value, little-endian), every length from
// empty to several blocks, fixed and random keys.
std::uint64_t openssl_siphash(const std::array<std::uint8_t, 16>& key, const std::string& data)
{
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
    if (!mac)
        throw std::runtime_error("no SIPHASH in OpenSSL");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    unsigned int size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
                           OSSL_PARAM_construct_end()};
    unsigned char out[16];
    std::size_t out_len = 0;
    const bool ok = EVP_MAC_init(ctx, key.data(), key.size(), params) == 1 &&
                    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                                   data.size()) == 1 &&
                    EVP_MAC_final(ctx, out, &out_len, sizeof out) == 1;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok || out_len != 8)
        throw std::runtime_error("EVP_MAC SIPHASH failed");
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | out[i];
    return v;
}

TEST(SipHash, AgreesWithOpenSsl)
{
    std::mt19937_64 rng(10);
    for (int round = 0; round < 4; ++round) {
        std::array<std::uint8_t, 16> key{};
        for (std::uint8_t i = 0; i < 16; ++i)
            key[i] = round == 0 ? i : static_cast<std::uint8_t>(rng());
        std::string m;
        for (std::size_t len = 0; len <= 70; ++len) {
            ASSERT_EQ(siphash24(SipKey::from_bytes(key), m), openssl_siphash(key, m))
                << "key round " << round << ", length " << len;
            m.push_back(round == 0 ? static_cast<char>(len) : static_cast<char>(rng()));
        }
    }
}

// The key decides: another key, other hashes (placements an attacker cannot predict).
TEST(SipHash, KeyMatters)
{
    const SipKey a = paper_key();
    SipKey b = a;
    b.k1 ^= 1;
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string url = "/obj/" + std::to_string(i);
        EXPECT_NE(siphash24(a, url), siphash24(b, url));
        seen.insert(siphash24(a, url));
    }
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_NE(SipKey::random(), SipKey::random());
    EXPECT_EQ(SipKey::from_string(std::string(
                  "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16)),
              a);
    EXPECT_THROW((void)SipKey::from_string("short"), std::invalid_argument);
}

} // namespace
} // namespace dlba::dlbad
