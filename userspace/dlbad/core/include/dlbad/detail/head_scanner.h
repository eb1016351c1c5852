#pragma once

// Implementation detail of RequestParser / ResponseParser (kept in a public
// header only because the parsers hold one by value).  Do not use directly.

#include <dlbad/http_types.h>

#include <cstddef>
#include <string_view>

namespace dlba::dlbad::detail {

// Incremental search for the end of a head (the empty line), checking line
// endings and size limits on the way so oversize or malformed input is
// rejected as soon as it is seen.
struct HeadScanner {
    struct Limits {
        std::size_t max_start_line;
        int start_line_status; // 414 for requests, 502 for responses
        std::size_t max_head;
        std::size_t max_fields;
        int head_status;   // 431 / 502
        int syntax_status; // 400 / 502
        bool allow_leading_crlf;
    };

    // kComplete: length = end of head (offset just past the empty line).
    ParseResult scan(std::string_view buf, const Limits& limits) noexcept;
    void reset() noexcept { *this = HeadScanner{}; }

    std::size_t start = 0;      // first byte of the start line
    std::size_t pos = 0;        // next byte to examine
    std::size_t line_start = 0; // first byte of the current line
    std::size_t lines = 0;      // complete lines so far (start line included)
    std::size_t skipped = 0;    // empty lines skipped before the start line
    bool started = false;
};

} // namespace dlba::dlbad::detail
