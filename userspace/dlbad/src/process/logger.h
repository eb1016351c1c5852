#pragma once

namespace dlba::dlbad {

enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// Process-wide logging: to stderr (foreground, or under systemd whose journal takes stderr) or
// to syslog.  Thread-safe (one write per message).
class Logger {
public:
    static void init(bool use_syslog, LogLevel level);
    static bool enabled(LogLevel level) noexcept;
    static void write(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
};

} // namespace dlba::dlbad

// A macro so that arguments are not evaluated when the level is off.
#define DLBAD_LOG(level, ...)                                                                      \
    do {                                                                                           \
        if (::dlba::dlbad::Logger::enabled(level))                                                 \
            ::dlba::dlbad::Logger::write(level, __VA_ARGS__);                                      \
    } while (0)
