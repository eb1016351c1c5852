#pragma once

// A parsed HTTP/1.1 response head (status-line + header section).

#include <dlbad/http_types.h>

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

// Views point into the buffer handed to ResponseParser::parse(); valid until
// that buffer changes or the next parse()/reset().
class ResponseHead {
public:
    [[nodiscard]] HttpVersion version() const noexcept { return version_; }
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] std::string_view reason() const noexcept { return reason_; }
    // The status-line without its CRLF, e.g. "HTTP/1.1 200 OK".
    [[nodiscard]] std::string_view status_line() const noexcept { return status_line_; }
    [[nodiscard]] std::span<const HeaderField> headers() const noexcept { return headers_; }
    // Body framing, already accounting for the request method (HEAD,
    // CONNECT) and status (1xx, 204, 304): kNone, kContentLength, kChunked,
    // kUntilClose or kTunnel.
    [[nodiscard]] BodyFraming framing() const noexcept { return framing_; }
    // A 1xx other than 101: another response head follows on the same
    // connection after this one (forward it, then parse again).
    [[nodiscard]] bool interim() const noexcept
    {
        return status_ >= 100 && status_ < 200 && status_ != 101;
    }
    // Whether the server keeps the connection open after this response
    // (false for close-delimited bodies and "Connection: close").
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }

    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;

private:
    friend class ResponseParser;
    void clear() noexcept;

    HttpVersion version_ = HttpVersion::kHttp11;
    int status_ = 0;
    std::string_view reason_;
    std::string_view status_line_;
    std::vector<HeaderField> headers_;
    BodyFraming framing_;
    bool keep_alive_ = true;
};

} // namespace dlba::dlbad
