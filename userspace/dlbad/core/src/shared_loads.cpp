#include <dlbad/shared_loads.h>

#include <algorithm>
#include <stdexcept>

namespace dlba::dlbad {

SharedLoads::SharedLoads(std::span<const std::uint32_t> node_ids)
    : ids_(node_ids.begin(), node_ids.end()),
      loads_(std::make_unique<std::atomic<std::int64_t>[]>(node_ids.size()))
{
    auto sorted = ids_;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw std::invalid_argument("shared loads: duplicate node id");
    for (std::size_t i = 0; i < ids_.size(); ++i)
        loads_[i].store(0, std::memory_order_relaxed);
}

std::optional<std::size_t> SharedLoads::slot_of(std::uint32_t node_id) const noexcept
{
    // Called when a table's node set changes, not per request.
    auto it = std::find(ids_.begin(), ids_.end(), node_id);
    if (it == ids_.end())
        return std::nullopt;
    return static_cast<std::size_t>(it - ids_.begin());
}

} // namespace dlba::dlbad
