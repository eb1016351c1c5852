#pragma once

#include <string>
#include <string_view>

namespace dlba {

// Responses dlbad writes itself (400, 408, 413, 414, 431, 501, 502, 503, 504, 505...).
class ErrorResponse {
public:
    // A complete HTTP/1.1 response with a short text body.  `close` adds "Connection: close".
    static std::string build(int status, bool close);
    static std::string_view reason(int status) noexcept;
};

} // namespace dlba
