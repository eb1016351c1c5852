#pragma once

// dlbad's access log (dlbad.conf(5) access_log): one line per request, written away from the
// event loops.  Each worker appends its lines to its own buffer (a mutex it shares only with the
// writer thread, for the time of a swap); the writer thread takes the buffers every 100 ms (or
// sooner when one fills up) and writes them in batches to the file or to syslog.  A full buffer
// (the writer is stuck on a slow disk) or a failed write drops lines, counted, never blocks a
// worker and never stops the daemon.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "accesslog/access_log_format.h"

namespace dlba::dlbad {

struct AccessLogConfig {
    bool enabled = false;
    bool syslog = false; // target: syslog (else `file`)
    std::string file;    // an absolute path, opened for appending
    AccessLogFormat format;
    unsigned sample = 1;                // one request in `sample` is logged
    std::size_t buffer_bytes = 1 << 20; // per worker, between two writes
    int line = 0;
};

class AccessLog;

// One worker's side of the log: used by that worker's thread only, but for the buffer the
// writer thread takes.
class AccessLogChannel {
public:
    explicit AccessLogChannel(AccessLog& owner) : owner_(owner) {}

    // The sampling decision for the next request (one in `ratio`, the first one included).
    [[nodiscard]] bool sample(unsigned ratio) noexcept
    {
        return ratio <= 1 || sample_count_++ % ratio == 0;
    }
    // Renders and queues one line; dropped (and counted) when the buffer is full.
    void log(const AccessLogFormat& format, const AccessRecord& record, std::size_t buffer_bytes);

private:
    friend class AccessLog;

    AccessLog& owner_;
    std::uint64_t sample_count_ = 0;
    std::string line_; // rendering scratch, reused
    std::mutex mutex_;
    std::string buffer_; // complete lines, each with its '\n'
    std::uint64_t buffered_lines_ = 0;
};

class AccessLog {
public:
    struct Counters {
        std::uint64_t lines = 0;   // written
        std::uint64_t dropped = 0; // lost: buffer full, write failed, file not open
    };

    explicit AccessLog(unsigned workers);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Starts the writer thread (after the daemon forked into the background).
    void start();
    // Main thread, at start and at each reload: the target of the writes, (re)opened by the writer
    // thread before its next batch (logrotate: move the file, then SIGHUP).
    void configure(const AccessLogConfig& config);
    // Flushes what is buffered and stops the writer (also done by the destructor).
    void stop();

    [[nodiscard]] AccessLogChannel& channel(unsigned worker) { return *channels_.at(worker); }
    [[nodiscard]] Counters counters() const noexcept
    {
        return {lines_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed)};
    }

private:
    friend class AccessLogChannel;

    void run();
    void reopen();
    void write_batch(std::string& batch, std::uint64_t count);
    void wake() noexcept;

    std::vector<std::unique_ptr<AccessLogChannel>> channels_;
    std::atomic<std::uint64_t> lines_{0};
    std::atomic<std::uint64_t> dropped_{0};

    std::mutex mutex_; // the fields below
    std::condition_variable cv_;
    bool stop_ = false;
    bool wake_ = false;
    bool reopen_ = false;
    bool enabled_ = false;
    bool syslog_ = false;
    std::string file_;

    // Writer thread only.
    int fd_ = -1;
    bool use_syslog_ = false;
    std::string open_file_;
    bool failing_ = false; // a write failure was reported; the next success is reported too
    std::thread thread_;
};

} // namespace dlba::dlbad
