#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "dlba/ctl/types.h"
#include "sync/sync_message.h"
#include <dlba/event/timer.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// Coalesces dlba.ko's bucket changes (absolute assignments of ranges, buckets-ntf) per service
// and bucket for at most `delay` after the first one of a batch, then hands the dirty buckets on
// as records (one per run of consecutive dirty buckets, carrying the service's latest version).
// Later changes of a bucket overwrite earlier ones: what goes out is the table's state.
class SyncBatcher {
public:
    using Flush = std::function<void(std::vector<SyncRecord>)>;

    SyncBatcher(EventLoop& loop, std::chrono::milliseconds delay, Flush flush);
    SyncBatcher(const SyncBatcher&) = delete;
    SyncBatcher& operator=(const SyncBatcher&) = delete;

    void add(const ctl::BucketChange& change);
    // Hands on what is pending now (nothing if nothing is).
    void flush();
    // Forgets what is pending of `key` (a snapshot of it went out).
    void drop(const ctl::ServiceKey& key);
    // Forgets everything pending.
    void clear();
    [[nodiscard]] bool pending() const noexcept { return !services_.empty(); }

private:
    struct Pending {
        std::uint32_t count = 0;
        std::uint64_t version = 0;
        std::vector<std::uint32_t> ids;
        std::vector<bool> dirty;
    };

    EventLoop& loop_;
    std::chrono::milliseconds delay_;
    Flush flush_;
    std::map<ctl::ServiceKey, Pending> services_;
    Timer timer_;
};

} // namespace dlba::arrayd
