#include <dlbad/cookie_header.h>
#include <dlbad/cookie_injector.h>
#include <dlbad/head_writer.h>
#include <dlbad/persistence_token.h>
#include <dlbad/response_parser.h>
#include <dlbad/set_cookie.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000;

PersistenceTokenCodec make_codec()
{
    const TokenKey k = TokenKey::from_hex(1, std::string(64, 'a'));
    return PersistenceTokenCodec(std::span(&k, 1));
}

// Runs the full response path: parse the back-end head, inject, serialise,
// and re-parse what the client would receive.
struct Injected {
    std::string wire;
    std::vector<std::string> set_cookies;
    std::vector<std::string> cache_controls;
    bool injected = false;
};

Injected run(const CookieInjector& inj, const PersistenceTokenCodec& codec,
             const std::string& backend, std::uint32_t server_key = 7)
{
    ResponseParser p;
    const ParseResult r = p.parse(backend);
    EXPECT_TRUE(r.complete()) << r.reason;
    Injected out;
    HeaderEdit edit;
    if (auto idx = inj.session_set_cookie(p.head().headers())) {
        inj.inject(p.head().headers(), *idx, codec.issue(server_key, kNow), edit);
        out.injected = true;
    }
    write_head(out.wire, p.head().status_line(), p.head().headers(), edit);
    ResponseParser q;
    EXPECT_TRUE(q.parse(out.wire).complete());
    for (const HeaderField& h : q.head().headers()) {
        if (h.name == "Set-Cookie")
            out.set_cookies.emplace_back(h.value);
        if (h.name == "Cache-Control")
            out.cache_controls.emplace_back(h.value);
    }
    return out;
}

const SetCookie* by_name(const std::vector<std::optional<SetCookie>>& v, std::string_view name)
{
    for (const auto& sc : v) {
        if (sc && sc->name() == name)
            return &*sc;
    }
    return nullptr;
}

TEST(CookieInjector, RejectsBadConfig)
{
    EXPECT_THROW(CookieInjector({"", "SpServer", true}), std::invalid_argument);
    EXPECT_THROW(CookieInjector({"JSESSIONID", "Sp Server", true}), std::invalid_argument);
    EXPECT_THROW(CookieInjector({"same", "same", true}), std::invalid_argument);
}

TEST(CookieInjector, NothingWithoutSessionCookie)
{
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const auto codec = make_codec();
    const Injected out =
        run(inj, codec, "HTTP/1.1 200 OK\r\nSet-Cookie: other=1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_FALSE(out.injected);
    EXPECT_EQ(out.set_cookies, std::vector<std::string>{"other=1"});
    EXPECT_TRUE(out.cache_controls.empty());
    // Name match is exact (cookie names are case-sensitive).
    EXPECT_FALSE(run(inj, codec, "HTTP/1.1 200 OK\r\nSet-Cookie: jsessionid=1\r\n\r\n").injected);
}

// Every combination of the attributes WO 01/69890 and the issue name:
// Expires, Max-Age, Path, Domain, Secure, HttpOnly (present or not) and
// SameSite (absent, Strict, Lax, None), in shuffled orders: the injected
// cookie carries exactly the same attributes, names a server only through an
// authenticated token, and the response becomes private.
TEST(CookieInjector, EveryAttributeCombination)
{
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const auto codec = make_codec();
    const std::vector<std::string> optional_attrs = {"Expires=Wed, 21 Oct 2037 07:28:00 GMT",
                                                     "Max-Age=1800",
                                                     "Path=/shop",
                                                     "Domain=example.com",
                                                     "Secure",
                                                     "HttpOnly"};
    const std::vector<std::string> same_site = {"", "SameSite=Strict", "SameSite=Lax",
                                                "SameSite=None"};
    std::mt19937 rng(42);
    int combos = 0;
    for (unsigned mask = 0; mask < (1u << optional_attrs.size()); ++mask) {
        for (const std::string& ss : same_site) {
            std::vector<std::string> attrs;
            for (std::size_t i = 0; i < optional_attrs.size(); ++i) {
                if (mask & (1u << i))
                    attrs.push_back(optional_attrs[i]);
            }
            if (!ss.empty())
                attrs.push_back(ss);
            std::shuffle(attrs.begin(), attrs.end(), rng);
            std::string session = "JSESSIONID=F00D";
            for (const std::string& a : attrs)
                session += "; " + a;
            const std::string backend =
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: " + session +
                "\r\nContent-Length: 3\r\n\r\n";
            const Injected out = run(inj, codec, backend, 1234);
            ++combos;
            ASSERT_TRUE(out.injected) << session;
            ASSERT_EQ(out.set_cookies.size(), 2u) << session;
            EXPECT_EQ(out.set_cookies[0], session); // the session cookie is untouched

            std::vector<std::optional<SetCookie>> parsed;
            for (const std::string& s : out.set_cookies)
                parsed.push_back(SetCookie::parse(s));
            const SetCookie* sess = by_name(parsed, "JSESSIONID");
            const SetCookie* sp = by_name(parsed, "SpServer");
            ASSERT_TRUE(sess && sp) << session;
            EXPECT_EQ(sp->attributes_text(), sess->attributes_text());
            EXPECT_EQ(sp->expires(), sess->expires());
            EXPECT_EQ(sp->max_age(), sess->max_age());
            EXPECT_EQ(sp->path(), sess->path());
            EXPECT_EQ(sp->domain(), sess->domain());
            EXPECT_EQ(sp->secure(), sess->secure());
            EXPECT_EQ(sp->http_only(), sess->http_only());
            EXPECT_EQ(sp->same_site(), sess->same_site());
            // The value is an opaque token that authenticates to server 1234.
            EXPECT_EQ(sp->value().size(), PersistenceTokenCodec::kTokenLength);
            EXPECT_EQ(codec.verify(sp->value(), kNow), 1234u);
            EXPECT_EQ(out.cache_controls,
                      std::vector<std::string>{"private, no-cache=\"set-cookie\""});
        }
    }
    EXPECT_EQ(combos, 256);
}

TEST(CookieInjector, CookieRoundTripsThroughRequestCookieHeader)
{
    // What the browser sends back is what dlbad reads on the next request.
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const auto codec = make_codec();
    const Injected out =
        run(inj, codec, "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=1; Path=/\r\n\r\n", 99);
    const auto sp = SetCookie::parse(out.set_cookies[1]);
    ASSERT_TRUE(sp);
    const std::string cookie_header = "JSESSIONID=1; SpServer=" + std::string(sp->value());
    const auto value = find_cookie(cookie_header, "SpServer");
    ASSERT_TRUE(value);
    EXPECT_EQ(codec.verify(*value, kNow + 3600), 99u);
}

TEST(CookieInjector, DeletionOfSessionDeletesPersistenceCookie)
{
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const auto codec = make_codec();
    const Injected out = run(inj, codec,
                             "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=; Max-Age=0; Expires=Thu, "
                             "01 Jan 1970 00:00:00 GMT\r\n\r\n");
    ASSERT_EQ(out.set_cookies.size(), 2u);
    const auto sp = SetCookie::parse(out.set_cookies[1]);
    EXPECT_EQ(sp->max_age(), 0);
    EXPECT_EQ(sp->expires(), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(CookieInjector, BackendPersistenceCookieIsReplaced)
{
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const auto codec = make_codec();
    const Injected out = run(
        inj, codec,
        "HTTP/1.1 200 OK\r\nSet-Cookie: SpServer=evil\r\nSet-Cookie: JSESSIONID=2; Secure\r\n\r\n");
    ASSERT_EQ(out.set_cookies.size(), 2u);
    EXPECT_EQ(out.set_cookies[0], "JSESSIONID=2; Secure");
    EXPECT_NE(out.set_cookies[1].find("SpServer="), std::string::npos);
    EXPECT_EQ(out.set_cookies[1].find("evil"), std::string::npos);
}

TEST(CookieInjector, LastSessionCookieWins)
{
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const HeaderField h[] = {{"Set-Cookie", "JSESSIONID=1; Path=/a"},
                             {"Set-Cookie", "x=1"},
                             {"set-cookie", "JSESSIONID=2; Path=/b"}};
    EXPECT_EQ(inj.session_set_cookie(h), 2u);
    HeaderEdit e;
    inj.inject(h, 2, "TOKEN", e);
    ASSERT_FALSE(e.add.empty());
    EXPECT_EQ(e.add[0].second, "SpServer=TOKEN; Path=/b");
}

TEST(CookieInjector, CacheControlRewrittenOrKept)
{
    const auto codec = make_codec();
    const CookieInjector inj({"JSESSIONID", "SpServer", true});
    const Injected pub = run(inj, codec,
                             "HTTP/1.1 200 OK\r\nCache-Control: public, max-age=600\r\nSet-Cookie: "
                             "JSESSIONID=1\r\n\r\n");
    EXPECT_EQ(pub.cache_controls,
              std::vector<std::string>{"private, no-cache=\"set-cookie\", max-age=600"});
    const Injected priv =
        run(inj, codec,
            "HTTP/1.1 200 OK\r\nCache-Control: private\r\nSet-Cookie: JSESSIONID=1\r\n\r\n");
    EXPECT_EQ(priv.cache_controls, std::vector<std::string>{"private"});
    const CookieInjector off({"JSESSIONID", "SpServer", false});
    const Injected none = run(off, codec, "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=1\r\n\r\n");
    EXPECT_TRUE(none.injected);
    EXPECT_TRUE(none.cache_controls.empty());
}

TEST(CookieInjector, MakeSetCookie)
{
    EXPECT_EQ(CookieInjector::make_set_cookie("SpServer", "abc", "; Path=/"),
              "SpServer=abc; Path=/");
    EXPECT_EQ(CookieInjector::make_set_cookie("SpServer", "abc", ""), "SpServer=abc");
}

TEST(CookieInjector, ReissueAttributesCarryTheSessionScope)
{
    EXPECT_EQ(
        CookieInjector(CookieInjectionConfig{"JSESSIONID", "SpServer", true}).reissue_attributes(),
        "; Path=/");
    EXPECT_EQ(CookieInjector(CookieInjectionConfig{"JSESSIONID", "SpServer", true},
                             CookieScope{"/shop", "example.com"})
                  .reissue_attributes(),
              "; Path=/shop; Domain=example.com");
    EXPECT_EQ(
        CookieInjector(CookieInjectionConfig{"J", "S", true}, CookieScope{"/", ".example.com"})
            .reissue_attributes(),
        "; Path=/; Domain=.example.com");
    for (const char* bad : {"", "shop", "/a;b", "/a\r\nSet-Cookie: x=1", "/\x7f"})
        EXPECT_THROW(CookieInjector(CookieInjectionConfig{"J", "S", true}, CookieScope{bad, ""}),
                     std::invalid_argument)
            << bad;
    for (const char* bad : {".", "a..b;", "ex ample.com", "-x.com", "x.com.", "a;Secure"})
        EXPECT_THROW(CookieInjector(CookieInjectionConfig{"J", "S", true}, CookieScope{"/", bad}),
                     std::invalid_argument)
            << bad;
}

} // namespace
} // namespace dlba::dlbad
