// TLS session ticket keys: the first key encrypts, all decrypt (2 = renew under the first), the
// generated keys rotate and retire after the ticket lifetime.  Real OpenSSL contexts.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "transport/tls_ticket_keys.h"

namespace dlba::dlbad {
namespace {

using namespace std::chrono_literals;

struct Contexts {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cipher{EVP_CIPHER_CTX_new(),
                                                                           EVP_CIPHER_CTX_free};
    std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac{EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                          EVP_MAC_free};
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> mctx{EVP_MAC_CTX_new(mac.get()),
                                                                   EVP_MAC_CTX_free};
};

// Encrypts with `keys` and returns the key name written (as OpenSSL would put in the ticket).
std::string encrypt(TicketKeys& keys, TicketKeys::Clock::time_point now)
{
    Contexts c;
    unsigned char name[16] = {};
    unsigned char iv[EVP_MAX_IV_LENGTH] = {};
    EXPECT_EQ(keys.handle(name, iv, c.cipher.get(), c.mctx.get(), 1, now), 1);
    return std::string(reinterpret_cast<char*>(name), 16);
}

int decrypt(TicketKeys& keys, const std::string& name, TicketKeys::Clock::time_point now)
{
    Contexts c;
    unsigned char n[16];
    std::copy(name.begin(), name.end(), n);
    unsigned char iv[EVP_MAX_IV_LENGTH] = {};
    return keys.handle(n, iv, c.cipher.get(), c.mctx.get(), 0, now);
}

std::string key(char c)
{
    return std::string(80, c);
}

TEST(TicketKeys, FileKeysFirstEncryptsAllDecrypt)
{
    TicketKeys keys;
    const auto now = TicketKeys::Clock::now();
    keys.configure({key('a')}, 1h, 2h);
    const auto old_ticket = encrypt(keys, now);
    EXPECT_EQ(old_ticket, std::string(16, 'a'));
    // Rotation step 1: the new key second everywhere: still encrypting with a.
    keys.configure({key('a'), key('b')}, 1h, 2h);
    EXPECT_EQ(decrypt(keys, old_ticket, now), 1);
    // Step 2: b first: a's tickets decrypt and are renewed.
    keys.configure({key('b'), key('a')}, 1h, 2h);
    EXPECT_EQ(encrypt(keys, now), std::string(16, 'b'));
    EXPECT_EQ(decrypt(keys, old_ticket, now), 2) << "decrypted with a non-primary key: renew";
    // Step 3: a dropped: its tickets get a full handshake.
    keys.configure({key('b')}, 1h, 2h);
    EXPECT_EQ(decrypt(keys, old_ticket, now), 0);
    EXPECT_EQ(keys.count(now + 10h), 1u) << "file keys never rotate";
}

TEST(TicketKeys, GeneratedKeysRotateAndRetire)
{
    TicketKeys keys;
    const auto t0 = TicketKeys::Clock::now();
    keys.configure({}, 1h, 150min);
    const auto first = encrypt(keys, t0);
    EXPECT_EQ(keys.count(t0 + 59min), 1u);
    const auto second = encrypt(keys, t0 + 61min);
    EXPECT_NE(first, second) << "rotated after an hour";
    EXPECT_EQ(keys.count(t0 + 61min), 2u);
    EXPECT_EQ(decrypt(keys, first, t0 + 62min), 2);
    EXPECT_EQ(decrypt(keys, second, t0 + 62min), 1);
    // Reloading without a file keeps the generated keys (tickets survive SIGHUP).
    keys.configure({}, 1h, 150min);
    EXPECT_EQ(decrypt(keys, first, t0 + 62min), 2);
    // first stopped encrypting at t0+61min: kept until t0+61min+150min.
    EXPECT_EQ(decrypt(keys, first, t0 + 125min), 2);
    EXPECT_EQ(keys.count(t0 + 125min), 3u);
    EXPECT_EQ(decrypt(keys, first, t0 + 212min), 0) << "retired after the ticket lifetime";
    EXPECT_NE(decrypt(keys, second, t0 + 212min), 0);
    // From a file back to generated keys: a fresh one.
    keys.configure({key('c')}, 1h, 2h);
    keys.configure({}, 1h, 2h);
    EXPECT_NE(encrypt(keys, t0 + 1min), std::string(16, 'c'));
    EXPECT_EQ(keys.count(t0 + 1min), 1u);
}

TEST(TicketKeys, ParseFile)
{
    EXPECT_EQ(TicketKeys::parse_file(std::string(160, 'f') + "\n").size(), 1u)
        << "openssl rand -hex 80";
    EXPECT_EQ(TicketKeys::parse_file(std::string(160, 'f')).size(), 1u);
    EXPECT_EQ(TicketKeys::parse_file(key('\x01') + key('\x02') + key('\x03')).size(), 3u);
    EXPECT_THROW(TicketKeys::parse_file(""), std::invalid_argument);
    EXPECT_THROW(TicketKeys::parse_file("# only a comment\n"), std::invalid_argument);
    EXPECT_THROW(TicketKeys::parse_file(std::string(160, 'g')), std::invalid_argument);
    std::string many;
    for (int i = 0; i < 1001; ++i) {
        std::string k(80, '\x00');
        k[0] = static_cast<char>(i & 0xff);
        k[1] = static_cast<char>(i >> 8);
        k[2] = '\xff'; // binary
        many += k;
    }
    EXPECT_THROW(TicketKeys::parse_file(many), std::invalid_argument) << "at most 1000 keys";
    EXPECT_EQ(TicketKeys::parse_file(many.substr(0, 80 * 1000)).size(), 1000u);
}

} // namespace
} // namespace dlba::dlbad
