#include "sync/sync_batcher.h"

#include <algorithm>

#include <dlba/event/event_loop.h>

namespace dlba::arrayd {

SyncBatcher::SyncBatcher(EventLoop& loop, std::chrono::milliseconds delay, Flush flush)
    : loop_(loop),
      delay_(delay),
      flush_(std::move(flush)),
      timer_([this] { this->flush(); })
{}

void SyncBatcher::add(const ctl::BucketChange& change)
{
    if (change.assign.empty() || change.count == 0 || change.start >= change.count ||
        change.assign.size() > change.count - change.start)
        return;
    auto& p = services_[change.key];
    if (p.count != change.count) {
        // A new table (the service was made again with another size): what was pending of the
        // old one is meaningless.
        p.count = change.count;
        p.ids.assign(change.count, 0);
        p.dirty.assign(change.count, false);
    }
    p.version = change.version;
    std::copy(change.assign.begin(), change.assign.end(), p.ids.begin() + change.start);
    std::fill_n(p.dirty.begin() + change.start, change.assign.size(), true);
    // The delay is bounded: the first change of a batch arms the timer, the later ones do not
    // push it back.
    if (!timer_.armed())
        loop_.arm(timer_, delay_);
}

void SyncBatcher::drop(const ctl::ServiceKey& key)
{
    services_.erase(key);
    if (services_.empty())
        timer_.cancel();
}

void SyncBatcher::clear()
{
    services_.clear();
    timer_.cancel();
}

void SyncBatcher::flush()
{
    timer_.cancel();
    if (services_.empty())
        return;
    std::vector<SyncRecord> records;
    for (const auto& [key, p] : services_) {
        std::uint32_t i = 0;
        while (i < p.count) {
            if (!p.dirty[i]) {
                ++i;
                continue;
            }
            std::uint32_t end = i;
            while (end < p.count && p.dirty[end])
                ++end;
            records.push_back({key,
                               p.count,
                               p.version,
                               i,
                               {p.ids.begin() + i, p.ids.begin() + end},
                               std::nullopt});
            i = end;
        }
    }
    services_.clear();
    flush_(std::move(records));
}

} // namespace dlba::arrayd
