#pragma once

// A parsed HTTP/1.1 request head (request-line + header section).

#include <dlbad/http_types.h>

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

enum class Method : std::uint8_t {
    kGet,
    kHead,
    kPost,
    kPut,
    kDelete,
    kConnect,
    kOptions,
    kTrace,
    kPatch,
    kOther, // any other valid token; see RequestHead::method()
};

// All views point into the buffer handed to RequestParser::parse() and are
// valid only while that buffer is unchanged.  Filled by RequestParser; the
// parser reuses one RequestHead (and its header vector capacity) across
// requests, so a head is valid until the next parse()/reset().
class RequestHead {
public:
    [[nodiscard]] std::string_view method() const noexcept { return method_; }
    [[nodiscard]] Method method_kind() const noexcept { return method_kind_; }
    // request-target exactly as received (origin-form "/p?q", absolute-form
    // "http://h/p", authority-form "h:443" for CONNECT, or "*").
    [[nodiscard]] std::string_view target() const noexcept { return target_; }
    // Path part of the target (origin-form: up to '?'; absolute-form: the
    // path after the authority, "/" if empty; "*" / authority-form: empty).
    [[nodiscard]] std::string_view path() const noexcept { return path_; }
    // Query after '?', without the '?'; empty if none.
    [[nodiscard]] std::string_view query() const noexcept { return query_; }
    [[nodiscard]] HttpVersion version() const noexcept { return version_; }
    [[nodiscard]] std::span<const HeaderField> headers() const noexcept { return headers_; }
    // Host header value (or the authority of an absolute-form target).
    [[nodiscard]] std::string_view host() const noexcept { return host_; }
    [[nodiscard]] BodyFraming framing() const noexcept { return framing_; }
    // Whether the client connection may stay open after this exchange
    // (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
    // "Connection: keep-alive").
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
    // "Expect: 100-continue" was present.
    [[nodiscard]] bool expect_continue() const noexcept { return expect_continue_; }
    // RFC 9110 9.2.2: GET HEAD OPTIONS TRACE PUT DELETE may be replayed.
    [[nodiscard]] bool idempotent() const noexcept;

    // First header with this name (case-insensitive).
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;

private:
    friend class RequestParser;
    void clear() noexcept;

    std::string_view method_;
    Method method_kind_ = Method::kOther;
    std::string_view target_;
    std::string_view path_;
    std::string_view query_;
    HttpVersion version_ = HttpVersion::kHttp11;
    std::vector<HeaderField> headers_;
    std::string_view host_;
    BodyFraming framing_;
    bool keep_alive_ = true;
    bool expect_continue_ = false;
};

} // namespace dlba::dlbad
