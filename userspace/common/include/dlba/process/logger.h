#pragma once

namespace dlba {

enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// Process-wide logging: to stderr (foreground, or under systemd whose journal takes stderr) or
// to syslog, each line tagged with the daemon's name.  Thread-safe (one write per message).
class Logger {
public:
    // `ident` must outlive the process's logging (a string literal): syslog keeps the pointer.
    static void init(const char* ident, bool use_syslog, LogLevel level);
    static bool enabled(LogLevel level) noexcept;
    static void write(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
};

} // namespace dlba

// A macro so that arguments are not evaluated when the level is off.
#define DLBA_LOG(level, ...)                                                                       \
    do {                                                                                           \
        if (::dlba::Logger::enabled(level))                                                        \
            ::dlba::Logger::write(level, __VA_ARGS__);                                             \
    } while (0)
