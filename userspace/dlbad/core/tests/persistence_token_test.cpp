#include <dlbad/persistence_resolver.h>
#include <dlbad/persistence_token.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kNow = 1'750'000'000;
const std::string kHexA(64, 'a');
const std::string kHexB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

PersistenceTokenCodec codec_with(std::vector<TokenKey> keys, std::chrono::seconds max_age = 0s)
{
    return PersistenceTokenCodec(keys, max_age);
}

TEST(PersistenceToken, RoundTrip)
{
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)});
    for (std::uint32_t key : {0u, 1u, 10u, 65535u, 0xffffffffu}) {
        const std::string t = c.issue(key, kNow);
        EXPECT_EQ(t.size(), PersistenceTokenCodec::kTokenLength);
        EXPECT_EQ(
            t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
        EXPECT_EQ(c.verify(t, kNow), key);
    }
}

TEST(PersistenceToken, EveryTokenIsDifferent)
{
    // Random nonces: clients cannot compare cookies to learn which of them
    // share a back-end.
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)});
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i)
        seen.insert(c.issue(5, kNow));
    EXPECT_EQ(seen.size(), 200u);
}

TEST(PersistenceToken, AnyModificationIsRejected)
{
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)});
    const std::string t = c.issue(42, kNow);
    for (std::size_t i = 0; i < t.size(); ++i) {
        for (char repl : {'A', 'z', '0', '-'}) {
            if (t[i] == repl)
                continue;
            std::string f = t;
            f[i] = repl;
            EXPECT_EQ(c.verify(f, kNow), std::nullopt) << "position " << i;
        }
    }
}

TEST(PersistenceToken, MalformedAndTruncated)
{
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)});
    const std::string t = c.issue(42, kNow);
    EXPECT_EQ(c.verify("", kNow), std::nullopt);
    EXPECT_EQ(c.verify("42", kNow),
              std::nullopt); // WO 01/69890's plain integer form is not accepted
    EXPECT_EQ(c.verify(t.substr(0, 47), kNow), std::nullopt);
    EXPECT_EQ(c.verify(t.substr(0, 44), kNow), std::nullopt);
    EXPECT_EQ(c.verify(t + "A", kNow), std::nullopt);
    std::string padded = t;
    padded[47] = '=';
    EXPECT_EQ(c.verify(padded, kNow), std::nullopt);
    std::string std_b64 = t;
    std_b64[3] = '+';
    EXPECT_EQ(c.verify(std_b64, kNow), std::nullopt);
    EXPECT_EQ(c.verify(std::string(48, 'A'), kNow), std::nullopt);
    EXPECT_EQ(c.verify(std::string(48, '\0'), kNow), std::nullopt);
}

TEST(PersistenceToken, WrongKeyRejected)
{
    const auto a = codec_with({TokenKey::from_hex(1, kHexA)});
    const auto b = codec_with({TokenKey::from_hex(1, kHexB)});
    EXPECT_EQ(b.verify(a.issue(42, kNow), kNow), std::nullopt);
    const auto other_id = codec_with({TokenKey::from_hex(2, kHexA)});
    EXPECT_EQ(other_id.verify(a.issue(42, kNow), kNow), std::nullopt);
}

TEST(PersistenceToken, SameSecretOnEveryServerOfTheArray)
{
    const auto server1 = codec_with({TokenKey::from_hex(1, kHexA)});
    const auto server2 = codec_with({TokenKey::from_hex(1, kHexA)});
    EXPECT_EQ(server2.verify(server1.issue(3, kNow), kNow), 3u);
}

TEST(PersistenceToken, KeyRotation)
{
    const auto old_only = codec_with({TokenKey::from_hex(1, kHexA)});
    const auto rotating = codec_with({TokenKey::from_hex(2, kHexB), TokenKey::from_hex(1, kHexA)});
    const auto new_only = codec_with({TokenKey::from_hex(2, kHexB)});
    const std::string old_token = old_only.issue(9, kNow);
    EXPECT_EQ(rotating.verify(old_token, kNow), 9u);
    EXPECT_EQ(new_only.verify(old_token, kNow), std::nullopt);
    const std::string new_token = rotating.issue(9, kNow);
    EXPECT_EQ(new_only.verify(new_token, kNow), 9u);
    EXPECT_EQ(old_only.verify(new_token, kNow), std::nullopt);
}

TEST(PersistenceToken, AgeLimits)
{
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)}, 3600s);
    const std::string t = c.issue(1, kNow);
    EXPECT_EQ(c.verify(t, kNow + 3600), 1u);
    EXPECT_EQ(c.verify(t, kNow + 3601), std::nullopt);
    EXPECT_EQ(c.verify(t, kNow - 300), 1u);           // small clock skew between servers
    EXPECT_EQ(c.verify(t, kNow - 301), std::nullopt); // issued in the future
    const auto forever = codec_with({TokenKey::from_hex(1, kHexA)});
    EXPECT_EQ(forever.verify(forever.issue(1, kNow), kNow + 10ull * 365 * 86400), 1u);
}

TEST(PersistenceToken, BadKeys)
{
    EXPECT_THROW(TokenKey::from_hex(1, std::string(62, 'a')), std::invalid_argument);
    EXPECT_THROW(TokenKey::from_hex(1, std::string(65, 'a')), std::invalid_argument);
    EXPECT_THROW(TokenKey::from_hex(1, std::string(63, 'a') + "g"), std::invalid_argument);
    EXPECT_THROW(codec_with({}), std::invalid_argument);
    EXPECT_THROW(codec_with({TokenKey{1, std::vector<std::uint8_t>(31, 1)}}),
                 std::invalid_argument);
    EXPECT_THROW(codec_with({TokenKey::from_hex(1, kHexA), TokenKey::from_hex(1, kHexB)}),
                 std::invalid_argument);
}

// --- the token format, pinned ---------------------------------------------
//
// Independent of persistence_token.cpp: the test's own base64url decoder and one-shot HMACs
// computed from the format in persistence_token.h / Documentation/dlbad-core.md.  A change of
// the format (labels, field order, lengths, key derivation) breaks cookies across the array
// during an upgrade, so it must show here.

std::vector<unsigned char> b64url_decode(const std::string& s)
{
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::vector<unsigned char> out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
        const auto v = kAlphabet.find(c);
        if (v == std::string::npos)
            return {};
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>(acc >> bits));
        }
    }
    return out;
}

std::vector<unsigned char> hmac_sha256(const std::vector<unsigned char>& key,
                                       const std::vector<unsigned char>& msg)
{
    std::vector<unsigned char> out(32);
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(), out.data(),
         &len);
    out.resize(len);
    return out;
}

std::vector<unsigned char> bytes(std::string_view s)
{
    return {s.begin(), s.end()};
}

std::vector<unsigned char> cat(std::vector<unsigned char> a, const std::vector<unsigned char>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Key id 7, secret kHexB, nonce a0 a1 .. aa, server key 123456789, issued at kNow: computed
// once from the documented format (HMAC-SHA256, base64url) outside this code base.
constexpr char kKnownToken[] = "B6ChoqOkpaanqKmqHCSsrnyhK0vKK1S72o2pUNpNj0gLfRsC";

TEST(PersistenceTokenFormat, KnownAnswer)
{
    const auto c = codec_with({TokenKey::from_hex(7, kHexB)});
    EXPECT_EQ(c.verify(kKnownToken, kNow), 123456789u);
    EXPECT_EQ(c.verify(kKnownToken, kNow + 86400), 123456789u); // no max_age
    const auto limited = codec_with({TokenKey::from_hex(7, kHexB)}, 60s);
    EXPECT_EQ(limited.verify(kKnownToken, kNow + 60), 123456789u); // issued_at is kNow
    EXPECT_EQ(limited.verify(kKnownToken, kNow + 61), std::nullopt);
    EXPECT_EQ(codec_with({TokenKey::from_hex(7, kHexA)}).verify(kKnownToken, kNow), std::nullopt);
    EXPECT_EQ(codec_with({TokenKey::from_hex(6, kHexB)}).verify(kKnownToken, kNow), std::nullopt);
}

TEST(PersistenceTokenFormat, IssueFollowsTheDocumentedFormat)
{
    // issue() picks a random nonce; everything else in the token follows from it.
    std::vector<unsigned char> secret;
    for (std::size_t i = 0; i < kHexB.size(); i += 2)
        secret.push_back(static_cast<unsigned char>(std::stoi(kHexB.substr(i, 2), nullptr, 16)));
    const auto k_enc = hmac_sha256(secret, bytes("dlba persistence enc v1"));
    const auto k_mac = hmac_sha256(secret, bytes("dlba persistence mac v1"));
    const auto c = codec_with({TokenKey::from_hex(7, kHexB)});
    for (std::uint32_t server : {0u, 42u, 0xdeadbeefu}) {
        const std::string t = c.issue(server, kNow);
        const auto raw = b64url_decode(t);
        ASSERT_EQ(raw.size(), 36u) << t;
        EXPECT_EQ(raw[0], 7) << "key id";
        const std::vector<unsigned char> id_nonce(raw.begin(), raw.begin() + 12);
        const std::vector<unsigned char> ct(raw.begin() + 12, raw.begin() + 20);
        const std::vector<unsigned char> tag(raw.begin() + 20, raw.end());
        const std::array<unsigned char, 8> pt{
            static_cast<unsigned char>(server >> 24), static_cast<unsigned char>(server >> 16),
            static_cast<unsigned char>(server >> 8),  static_cast<unsigned char>(server),
            static_cast<unsigned char>(kNow >> 24),   static_cast<unsigned char>(kNow >> 16),
            static_cast<unsigned char>(kNow >> 8),    static_cast<unsigned char>(kNow),
        };
        const auto ks = hmac_sha256(k_enc, cat(bytes("dlba-ks"), id_nonce));
        for (std::size_t i = 0; i < 8; ++i)
            EXPECT_EQ(ct[i], pt[i] ^ ks[i]) << "ciphertext byte " << i;
        auto want_tag = hmac_sha256(k_mac, cat(cat(bytes("dlba-tag"), id_nonce), ct));
        want_tag.resize(16);
        EXPECT_EQ(tag, want_tag);
    }
}

// The server a cookie names cannot be read from it: not in the token in any usual encoding,
// and not even comparable between cookies (two cookies for one server share nothing).
TEST(PersistenceTokenFormat, TheServerCannotBeReadFromTheCookie)
{
    constexpr std::uint32_t kServer = 123456789; // 0x075bcd15
    const std::array<unsigned char, 4> be{0x07, 0x5b, 0xcd, 0x15};
    const std::array<unsigned char, 4> le{0x15, 0xcd, 0x5b, 0x07};
    const auto c = codec_with({TokenKey::from_hex(1, kHexA)});
    std::set<std::vector<unsigned char>> ciphertexts;
    std::set<std::vector<unsigned char>> nonces;
    for (int i = 0; i < 64; ++i) {
        const std::string t = c.issue(kServer, kNow);
        ASSERT_EQ(c.verify(t, kNow), kServer);
        std::string lower = t;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        for (const char* text : {"123456789", "75bcd15", "15cd5b07"})
            EXPECT_EQ(lower.find(text), std::string::npos) << t << " shows " << text;
        const auto raw = b64url_decode(t);
        ASSERT_EQ(raw.size(), 36u);
        EXPECT_EQ(std::search(raw.begin(), raw.end(), be.begin(), be.end()), raw.end())
            << t << ": key in big endian";
        EXPECT_EQ(std::search(raw.begin(), raw.end(), le.begin(), le.end()), raw.end())
            << t << ": key in little endian";
        nonces.emplace(raw.begin() + 1, raw.begin() + 12);
        ciphertexts.emplace(raw.begin() + 12, raw.begin() + 20);
    }
    // Same server, same issue time: were the key stream a function of the key alone, the
    // ciphertexts would repeat (and XOR-ing two cookies would tell whether they share a server).
    EXPECT_EQ(nonces.size(), 64u);
    EXPECT_EQ(ciphertexts.size(), 64u);
    // Two neighbouring servers: their cookies differ in more than the last byte of the key.
    const auto a = b64url_decode(c.issue(kServer, kNow));
    const auto b = b64url_decode(c.issue(kServer + 1, kNow));
    int same = 0;
    for (std::size_t i = 12; i < 20; ++i)
        same += a[i] == b[i];
    EXPECT_LT(same, 7) << "ciphertexts of servers 123456789 and 123456790 differ in one byte only";
}

// --- request-side resolution --------------------------------------------

class Resolver : public ::testing::Test {
protected:
    PersistenceTokenCodec codec = codec_with({TokenKey::from_hex(1, kHexA)});
    std::vector<ServerState> servers{
        {.key = 10, .weight = 1, .available = true},
        {.key = 20, .weight = 0, .available = true},  // drained
        {.key = 30, .weight = 1, .available = false}, // failed
    };

    PersistenceDecision resolve(const std::string& cookie)
    {
        const HeaderField h[] = {{"Host", "a"}, {"Cookie", cookie}};
        return resolve_persistence(h, "SpServer", codec, servers, kNow);
    }
};

TEST_F(Resolver, Hit)
{
    const auto d = resolve("JSESSIONID=x; SpServer=" + codec.issue(10, kNow));
    EXPECT_EQ(d.outcome, PersistenceOutcome::kHit);
    EXPECT_EQ(d.index, 0u);
}

TEST_F(Resolver, DrainedServerKeepsItsSessions)
{
    const auto d = resolve("SpServer=" + codec.issue(20, kNow));
    EXPECT_EQ(d.outcome, PersistenceOutcome::kHit);
    EXPECT_EQ(d.index, 1u);
}

TEST_F(Resolver, StaleServerIsRescheduled)
{
    EXPECT_EQ(resolve("SpServer=" + codec.issue(30, kNow)).outcome,
              PersistenceOutcome::kServerUnavailable);
    const auto gone = resolve("SpServer=" + codec.issue(40, kNow));
    EXPECT_EQ(gone.outcome, PersistenceOutcome::kUnknownServer);
    EXPECT_EQ(gone.server_key, 40u);
    EXPECT_FALSE(gone.index);
}

TEST_F(Resolver, ForgedIsLikeNoCookie)
{
    EXPECT_EQ(resolve("SpServer=10").outcome, PersistenceOutcome::kInvalid);
    std::string t = codec.issue(10, kNow);
    t[20] = t[20] == 'A' ? 'B' : 'A';
    const auto d = resolve("SpServer=" + t);
    EXPECT_EQ(d.outcome, PersistenceOutcome::kInvalid);
    EXPECT_FALSE(d.index);
    EXPECT_FALSE(d.server_key);
    EXPECT_EQ(resolve("other=1").outcome, PersistenceOutcome::kNoCookie);
    EXPECT_EQ(to_string(PersistenceOutcome::kInvalid), "invalid");
}

TEST(PersistenceToken, FirstValidOccurrenceDecides)
{
    const auto codec = codec_with({TokenKey::from_hex(1, kHexA)});
    const std::string good = codec.issue(7, kNow);
    const std::string other = codec.issue(9, kNow);
    const std::string forged(PersistenceTokenCodec::kTokenLength, 'A');
    auto find = [&](std::vector<HeaderField> headers) {
        return find_persistence_cookie(headers, "SpServer", codec, kNow);
    };
    // A forged pair before the valid one, in one header or in two: the valid one decides.
    auto r = find({{"Cookie", "SpServer=" + forged + "; a=1; SpServer=" + good}});
    EXPECT_TRUE(r.present);
    EXPECT_EQ(r.server_key, 7u);
    r = find({{"Cookie", "SpServer=" + forged}, {"cookie", "x=y; SpServer=" + good}});
    EXPECT_EQ(r.server_key, 7u);
    // Two valid ones: the first (a browser sends the most specific path first).
    r = find({{"Cookie", "SpServer=" + other}, {"Cookie", "SpServer=" + good}});
    EXPECT_EQ(r.server_key, 9u);
    // Only forged/stale ones: present, no key (rescheduled, reissued).
    r = find({{"Cookie", "SpServer=" + forged + "; SpServer=junk"}});
    EXPECT_TRUE(r.present);
    EXPECT_FALSE(r.server_key);
    r = find(
        {{"Cookie", "spserver=" + good + "; SpServerX=" + good}, {"X-Cookie", "SpServer=" + good}});
    EXPECT_FALSE(r.present) << "name is case-sensitive, Cookie headers only";
    EXPECT_FALSE(find({}).present);
}

} // namespace
} // namespace dlba::dlbad
