#pragma once

#include <dlbad/hash_ring.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "config/config.h"

namespace dlba::dlbad {

class StatsRegistry;

// The servers of one configured back-end group, for one configuration generation.  Several
// virtual services may share a group (WO 01/69890's shopping cart over HTTP and HTTPS): the same
// server keys, the same persistence cookies, one status table.
class BackendPool {
public:
    BackendPool(const BackendConfig& config, StatsRegistry& registry);

    [[nodiscard]] const BackendConfig& config() const noexcept { return config_; }
    [[nodiscard]] const std::string& name() const noexcept { return config_.name; }
    [[nodiscard]] const std::vector<Backend>& servers() const noexcept { return servers_; }
    [[nodiscard]] std::optional<std::size_t> index_of_key(std::uint32_t key) const;
    // Consistent-hash ring over every configured server (ids = keys, by weight), built once per
    // configuration generation, here, off the request path, and shared read-only by every worker:
    // session-id persistence, url-hash placement (every worker's BoundedLoadTable adopts it) and
    // the url-hash fallback walk.  Servers that are down are masked at lookup (the walk skips
    // them), never by rebuilding it.  The same configuration builds the same ring, so a reload
    // that keeps a back-end's servers and weights keeps their placements.  server_of_ring_node()
    // maps a ring node index to a server index.
    [[nodiscard]] const HashRing& ring() const noexcept { return *ring_; }
    [[nodiscard]] const std::shared_ptr<const HashRing>& shared_ring() const noexcept
    {
        return ring_;
    }
    [[nodiscard]] std::size_t server_of_ring_node(std::size_t ring_node) const
    {
        return ring_to_server_[ring_node];
    }

private:
    BackendConfig config_;
    std::vector<Backend> servers_;
    std::unordered_map<std::uint32_t, std::size_t> by_key_;
    std::shared_ptr<const HashRing> ring_;
    std::vector<std::size_t> ring_to_server_;
};

} // namespace dlba::dlbad
