#include <dlba/process/logger.h>

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace dlba {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Notice)};
std::atomic<bool> g_syslog{false};
std::atomic<const char*> g_ident{"dlba"};

const char* prefix(LogLevel level)
{
    switch (level) {
    case LogLevel::Error:
        return "error";
    case LogLevel::Warning:
        return "warning";
    case LogLevel::Notice:
        return "notice";
    case LogLevel::Info:
        return "info";
    case LogLevel::Debug:
        return "debug";
    }
    return "?";
}
} // namespace

void Logger::init(const char* ident, bool use_syslog, LogLevel level)
{
    g_ident.store(ident);
    g_level.store(static_cast<int>(level));
    g_syslog.store(use_syslog);
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool Logger::enabled(LogLevel level) noexcept
{
    return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed);
}

void Logger::write(LogLevel level, const char* fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_syslog.load(std::memory_order_relaxed)) {
        syslog(static_cast<int>(level), "%s", msg);
        return;
    }
    // "<N>" prefixes are understood by journald (sd-daemon(3)); harmless on a terminal.
    char line[1100];
    int n = std::snprintf(line, sizeof(line), "<%d>%s: %s: %s\n", static_cast<int>(level),
                          g_ident.load(std::memory_order_relaxed), prefix(level), msg);
    if (n > 0) [[maybe_unused]]
        auto w = ::write(STDERR_FILENO, line,
                         static_cast<std::size_t>(std::min<int>(n, sizeof(line) - 1)));
}

} // namespace dlba
