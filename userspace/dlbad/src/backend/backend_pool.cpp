#include "backend/backend_pool.h"

#include "monitor/stats_registry.h"

namespace dlba::dlbad {

BackendPool::BackendPool(const BackendConfig& config, StatsRegistry& registry) : config_(config)
{
    std::vector<HashNode> nodes;
    for (std::size_t i = 0; i < config_.servers.size(); ++i) {
        const auto& sc = config_.servers[i];
        servers_.emplace_back(sc, registry.backend(config_.name, sc.addr.to_string()), i);
        by_key_[sc.key] = i;
        nodes.push_back(HashNode{sc.key, sc.weight});
    }
    ring_ = std::make_shared<const HashRing>(nodes);
    // HashRing keeps its nodes in the order given; map back by key to be independent of that.
    for (const auto& n : ring_->nodes())
        ring_to_server_.push_back(by_key_.at(n.id));
}

std::optional<std::size_t> BackendPool::index_of_key(std::uint32_t key) const
{
    auto it = by_key_.find(key);
    if (it == by_key_.end())
        return std::nullopt;
    return it->second;
}

} // namespace dlba::dlbad
