#include <dlbad/persistence_resolver.h>
#include <dlbad/persistence_token.h>

#include <gtest/gtest.h>

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
        EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
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
    EXPECT_EQ(c.verify("42", kNow), std::nullopt); // the seed's plain integer form is not accepted
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
    EXPECT_EQ(c.verify(t, kNow - 300), 1u);       // small clock skew between servers
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
    EXPECT_THROW(codec_with({TokenKey{1, std::vector<std::uint8_t>(31, 1)}}), std::invalid_argument);
    EXPECT_THROW(codec_with({TokenKey::from_hex(1, kHexA), TokenKey::from_hex(1, kHexB)}), std::invalid_argument);
}

// --- request-side resolution --------------------------------------------

class Resolver : public ::testing::Test {
protected:
    PersistenceTokenCodec codec = codec_with({TokenKey::from_hex(1, kHexA)});
    std::vector<ServerState> servers{
        {.key = 10, .weight = 1, .available = true},
        {.key = 20, .weight = 0, .available = true}, // drained
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
    EXPECT_EQ(resolve("SpServer=" + codec.issue(30, kNow)).outcome, PersistenceOutcome::kServerUnavailable);
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

} // namespace
} // namespace dlba::dlbad
