#include "accesslog/access_log.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <dlba/process/logger.h>

namespace dlba::dlbad {

namespace {

constexpr std::chrono::milliseconds kFlushInterval{100};

} // namespace

void AccessLogChannel::log(const AccessLogFormat& format, const AccessRecord& record,
                           std::size_t buffer_bytes)
{
    line_.clear();
    format.render(record, line_);
    line_.push_back('\n');
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (buffer_.size() + line_.size() > buffer_bytes) {
            owner_.dropped_.fetch_add(1, std::memory_order_relaxed);
            wake = true;
        } else {
            if (buffer_.capacity() < buffer_bytes / 4)
                buffer_.reserve(buffer_bytes / 4);
            buffer_.append(line_);
            ++buffered_lines_;
            // A quarter full: the writer takes it now rather than at its next tick.
            wake = buffer_.size() >= buffer_bytes / 4 &&
                   buffer_.size() - line_.size() < buffer_bytes / 4;
        }
    }
    if (wake)
        owner_.wake();
}

AccessLog::AccessLog(unsigned workers)
{
    for (unsigned i = 0; i < workers; ++i)
        channels_.push_back(std::make_unique<AccessLogChannel>(*this));
}

void AccessLog::start()
{
    if (!thread_.joinable())
        thread_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog()
{
    stop();
}

void AccessLog::configure(const AccessLogConfig& config)
{
    {
        std::lock_guard lock(mutex_);
        enabled_ = config.enabled;
        syslog_ = config.syslog;
        file_ = config.file;
        reopen_ = true;
        wake_ = true;
    }
    cv_.notify_one();
}

void AccessLog::stop()
{
    {
        std::lock_guard lock(mutex_);
        if (stop_ && !thread_.joinable())
            return;
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable())
        thread_.join();
}

void AccessLog::wake() noexcept
{
    {
        std::lock_guard lock(mutex_);
        wake_ = true;
    }
    cv_.notify_one();
}

void AccessLog::run()
{
    std::string batch;
    bool stopping = false;
    while (!stopping) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, kFlushInterval, [this] { return stop_ || wake_; });
            wake_ = false;
            stopping = stop_;
            if (reopen_) {
                reopen_ = false;
                const bool enabled = enabled_;
                const bool sys = syslog_;
                const std::string file = file_;
                lock.unlock();
                if (fd_ >= 0)
                    ::close(fd_);
                fd_ = -1;
                use_syslog_ = enabled && sys;
                open_file_ = enabled && !sys ? file : std::string();
                reopen();
            }
        }
        for (auto& ch : channels_) {
            std::uint64_t count = 0;
            {
                std::lock_guard lock(ch->mutex_);
                batch.swap(ch->buffer_);
                count = ch->buffered_lines_;
                ch->buffered_lines_ = 0;
            }
            if (count)
                write_batch(batch, count);
            batch.clear();
            if (batch.capacity() > (4u << 20))
                std::string().swap(batch);
        }
    }
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void AccessLog::reopen()
{
    if (open_file_.empty())
        return;
    fd_ = ::open(open_file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0)
        DLBA_LOG(LogLevel::Error, "access_log: %s: %s (lines are dropped until a reload)",
                 open_file_.c_str(), std::strerror(errno));
}

void AccessLog::write_batch(std::string& batch, std::uint64_t count)
{
    if (use_syslog_) {
        std::size_t pos = 0;
        while (pos < batch.size()) {
            auto end = batch.find('\n', pos);
            if (end == std::string::npos)
                end = batch.size();
            ::syslog(LOG_DAEMON | LOG_INFO, "%.*s", static_cast<int>(end - pos),
                     batch.data() + pos);
            pos = end + 1;
        }
        lines_.fetch_add(count, std::memory_order_relaxed);
        return;
    }
    if (fd_ < 0) {
        dropped_.fetch_add(count, std::memory_order_relaxed);
        return;
    }
    std::size_t done = 0;
    while (done < batch.size()) {
        const auto n = ::write(fd_, batch.data() + done, batch.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            // The lines not wholly written are lost; one cut short is ended here, so that the
            // next batch starts on a line of its own.
            const auto written =
                static_cast<std::uint64_t>(std::count(batch.data(), batch.data() + done, '\n'));
            lines_.fetch_add(written, std::memory_order_relaxed);
            dropped_.fetch_add(count - written, std::memory_order_relaxed);
            if (!failing_)
                DLBA_LOG(LogLevel::Error, "access_log: %s: %s (lines dropped and counted)",
                         open_file_.c_str(), std::strerror(err));
            failing_ = true;
            if (done > 0 && batch[done - 1] != '\n') {
                const char nl = '\n';
                (void)!::write(fd_, &nl, 1);
            }
            return;
        }
        done += static_cast<std::size_t>(n);
    }
    if (failing_) {
        DLBA_LOG(LogLevel::Notice, "access_log: %s: writing again", open_file_.c_str());
        failing_ = false;
    }
    lines_.fetch_add(count, std::memory_order_relaxed);
}

} // namespace dlba::dlbad
