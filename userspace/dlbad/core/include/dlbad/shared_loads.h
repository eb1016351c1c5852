#pragma once

// Per-node URL counts shared by the bounded-load tables of one virtual service (one table per
// worker thread), so the bound is checked against the daemon's population of URLs, not one
// thread's.  Lock-free: relaxed atomic counters, read and bumped on the request path.  Two
// threads placing a new URL at the same instant may both see room and overshoot a capacity by
// one each (at most workers - 1 URLs over), never more.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace dlba::dlbad {

class SharedLoads {
public:
    // One counter per node id (the servers a table can ever contain).  Throws
    // std::invalid_argument on duplicate ids.
    explicit SharedLoads(std::span<const std::uint32_t> node_ids);

    SharedLoads(const SharedLoads&) = delete;
    SharedLoads& operator=(const SharedLoads&) = delete;

    [[nodiscard]] std::optional<std::size_t> slot_of(std::uint32_t node_id) const noexcept;
    [[nodiscard]] std::int64_t load(std::size_t slot) const noexcept
    {
        return loads_[slot].load(std::memory_order_relaxed);
    }
    // URLs tracked by all tables together.
    [[nodiscard]] std::int64_t total() const noexcept
    {
        return total_.load(std::memory_order_relaxed);
    }
    // A URL placed on (delta 1) or taken off (delta -1) the node in `slot`.
    void add(std::size_t slot, std::int64_t delta) noexcept
    {
        loads_[slot].fetch_add(delta, std::memory_order_relaxed);
        total_.fetch_add(delta, std::memory_order_relaxed);
    }
    [[nodiscard]] std::size_t size() const noexcept { return ids_.size(); }

private:
    std::vector<std::uint32_t> ids_;
    std::unique_ptr<std::atomic<std::int64_t>[]> loads_;
    std::atomic<std::int64_t> total_{0};
};

} // namespace dlba::dlbad
