#pragma once

// Cookie injection (WO 01/69890, "Cookie Injection"): when a back-end response
// sets the configured session cookie, add a persistence cookie (default
// "SpServer") whose value is an authenticated token naming that back-end, with
// exactly the same attributes as the session cookie, so it lives and dies
// with the session.  The response is also made non-cacheable downstream
// (see cache_control.h).
//
// Runtime usage on a back-end response head `rh` from server S:
//   if (auto i = injector.session_set_cookie(rh.headers())) {
//       HeaderEdit edit;
//       injector.inject(rh.headers(), *i, codec.issue(S.key, now), edit);
//       write_head(out, rh.status_line(), rh.headers(), edit);
//   }

#include <dlbad/head_writer.h>
#include <dlbad/http_types.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dlba::dlbad {

struct CookieInjectionConfig {
    // Cookie that starts a session on the back-end, e.g. "JSESSIONID".
    std::string session_cookie;
    // Name of the injected cookie.
    std::string persistence_cookie = "SpServer";
    // Apply the Cache-Control rule of cache_control.h when injecting.
    bool nocache = true;
};

// Path and Domain of a re-issued persistence cookie (reissue_attributes()): those of the
// application's session cookie, so the new cookie replaces the old one in the browser rather
// than sitting beside it.  Empty domain = host-only.
struct CookieScope {
    std::string path = "/";
    std::string domain;
};

class CookieInjector {
public:
    // Throws std::invalid_argument if either cookie name is not a token, the
    // two names are equal, the path does not start with '/' or holds ';' or a
    // control character, or the domain is not a host name.
    explicit CookieInjector(CookieInjectionConfig config, CookieScope scope = {});

    [[nodiscard]] const CookieInjectionConfig& config() const noexcept { return config_; }

    // Index (into headers) of the last Set-Cookie field that sets the session
    // cookie (case-sensitive name match), or nullopt: nothing to inject.
    [[nodiscard]] std::optional<std::size_t>
    session_set_cookie(std::span<const HeaderField> headers) const;

    // Fills `edit`: appends "Set-Cookie: <persistence>=<token><attributes of
    // headers[index]>"; removes any Set-Cookie the back-end itself sent for
    // the persistence cookie name (it would fight ours); applies the
    // Cache-Control rule when config().nocache.  `token` must be cookie-octets
    // (PersistenceTokenCodec output is).
    void inject(std::span<const HeaderField> headers, std::size_t index, std::string_view token,
                HeaderEdit& edit) const;

    // "<name>=<token><attributes_text>" -- also usable by the runtime to
    // re-issue a session-scoped cookie (attributes "; Path=/") after a stale
    // cookie was rescheduled.
    [[nodiscard]] static std::string make_set_cookie(std::string_view name, std::string_view token,
                                                     std::string_view attributes_text);

    // Attributes of a re-issued, session-scoped persistence cookie (the
    // request's one was forged, stale or named a server that cannot serve
    // it, and the response starts no session): "; Path=<path>[; Domain=<domain>]".
    [[nodiscard]] const std::string& reissue_attributes() const noexcept
    {
        return reissue_attributes_;
    }

private:
    CookieInjectionConfig config_;
    CookieScope scope_;
    std::string reissue_attributes_;
};

} // namespace dlba::dlbad
