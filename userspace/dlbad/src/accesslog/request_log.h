#pragma once

// What a client connection notes about its current request for the access log (only when the
// request was sampled: `active`).  Times are the worker loop's (steady) clock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dlba::dlbad {

struct RequestLog {
    using Clock = std::chrono::steady_clock;

    bool active = false;
    std::chrono::system_clock::time_point wall{}; // the first byte of the head
    Clock::time_point start{};
    std::optional<Clock::time_point> head_end;
    std::optional<Clock::time_point> connect_start; // of the last server tried
    std::optional<Clock::time_point> connected;
    std::optional<Clock::time_point> response; // the final response head
    std::uint64_t out_base = 0; // the connection's bytes queued to the client before the request
    std::uint64_t bytes_in = 0;
    std::optional<std::size_t> server; // index in the pool
    const char* persistence = "-";
    char who = 0; // the cause of an abnormal end, when known before it (0: none yet)
    char phase = 0;
    std::string method; // only when the format shows them
    std::string target;

    // Milliseconds from a to b, -1 if either is missing.
    static long long ms(const std::optional<Clock::time_point>& a,
                        const std::optional<Clock::time_point>& b) noexcept
    {
        if (!a || !b)
            return -1;
        return std::chrono::duration_cast<std::chrono::milliseconds>(*b - *a).count();
    }
};

} // namespace dlba::dlbad
