// The configuration push's CPG message: round trip, and what decode() refuses.
#include <gtest/gtest.h>

#include "config_push/config_message.h"

namespace dlba::arrayd {
namespace {

constexpr const char* kText = "services:\n  - service: 10.0.0.10:80/tcp\n";

TEST(ConfigMessage, RoundTripPushAndOffer)
{
    auto push = ConfigMessage::make(ConfigMessage::Kind::push, 3, 77, 0, kText);
    // What `printf '%s' TEXT | sha256sum` prints.
    EXPECT_EQ(push.digest, sha256_hex(kText));
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto d = ConfigMessage::decode(push.encode());
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, ConfigMessage::Kind::push);
    EXPECT_EQ(d->origin, 3u);
    EXPECT_EQ(d->request, 77u);
    EXPECT_EQ(d->generation, 0u);
    EXPECT_EQ(d->digest, push.digest);
    EXPECT_EQ(d->text, kText);

    auto offer = ConfigMessage::make(ConfigMessage::Kind::offer, 2, 0, 18446744073709551615ULL,
                                     std::string("a\0b\n", 4));
    auto e = ConfigMessage::decode(offer.encode());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, ConfigMessage::Kind::offer);
    EXPECT_EQ(e->generation, 18446744073709551615ULL);
    EXPECT_EQ(e->text, std::string("a\0b\n", 4));
    EXPECT_TRUE(ConfigMessage::is_config(offer.encode()));
    EXPECT_FALSE(ConfigMessage::is_config("dlba-array 1 n1 100 10.0.0.1 -"));
}

TEST(ConfigMessage, HeaderFormat)
{
    auto m = ConfigMessage::make(ConfigMessage::Kind::offer, 1, 5, 9, "x");
    EXPECT_EQ(m.encode(), "dlba-config 1 offer 1 5 9 " + sha256_hex("x") + " 1\nx");
}

TEST(ConfigMessage, RefusesMalformed)
{
    auto good = ConfigMessage::make(ConfigMessage::Kind::push, 3, 77, 0, kText).encode();
    auto header_end = good.find('\n');
    auto digest = sha256_hex(kText);
    auto len = std::to_string(std::string(kText).size());
    auto with = [&](const std::string& header) { return header + "\n" + kText; };
    const std::vector<std::string> bad = {
        "",
        "dlba-config ",
        good.substr(0, header_end),                               // no text, no newline
        good.substr(0, good.size() - 1),                          // text cut short
        good + "x",                                               // text longer than said
        with("dlba-config 2 push 3 77 0 " + digest + " " + len),  // version
        with("dlba-config 1 pull 3 77 0 " + digest + " " + len),  // kind
        with("dlba-config 1 push 0 77 0 " + digest + " " + len),  // origin 0
        with("dlba-config 1 push 3 77 4 " + digest + " " + len),  // a push has no generation
        with("dlba-config 1 offer 3 77 0 " + digest + " " + len), // an offer has one
        with("dlba-config 1 push 03 77 0 " + digest + " " + len), // leading zero
        with("dlba-config 1 push -3 77 0 " + digest + " " + len),
        with("dlba-config 1 push 4294967296 77 0 " + digest + " " + len),     // origin > 32 bits
        with("dlba-config 1 push 3 77 0 " + sha256_hex("other") + " " + len), // digest
        with("dlba-config 1 push 3 77 0 " + digest.substr(1) + " " + len),
        with("dlba-config 1 push 3  77 0 " + digest + " " + len), // two spaces
        with("dlba-config 1 push 3 77 0 " + digest + " 99999999999999999999999"),
        with("dlba-config 1 push 3 77 0 " + digest + " " + len + " "),
        "dlba-array 1 n1 100 10.0.0.1 -",
    };
    std::string upper = digest;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto all = bad;
    all.push_back(with("dlba-config 1 push 3 77 0 " + upper + " " + len));
    for (const auto& m : all)
        EXPECT_FALSE(ConfigMessage::decode(m)) << m;
}

TEST(ConfigMessage, RefusesTooLarge)
{
    std::string big(ConfigMessage::kMaxText + 1, 'x');
    auto m = ConfigMessage::make(ConfigMessage::Kind::push, 1, 1, 0, big);
    EXPECT_FALSE(ConfigMessage::decode(m.encode()));
    big.pop_back();
    m = ConfigMessage::make(ConfigMessage::Kind::push, 1, 1, 0, big);
    EXPECT_TRUE(ConfigMessage::decode(m.encode()));
}

} // namespace
} // namespace dlba::arrayd
