#pragma once

#include <dlbad/siphash.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend_pool.h"
#include "config/config.h"
#include "service/virtual_service.h"
#include "transport/tls_ticket_keys.h"

namespace dlba::dlbad {

class StatsRegistry;

// Process-wide secrets that must survive reloads when the configuration does not name them.
struct Secrets {
    std::vector<PersistenceKey> persistence_keys; // random fallback
    // TLS session ticket keys: one set for the process (every worker, every generation), keys of
    // ticket_key_file or generated ones (Daemon configures it at start and at each reload).
    std::shared_ptr<TicketKeys> ticket_keys;
    SipKey hash_key; // random fallback: URL / session-id hashing
    static Secrets random();
};

// One configuration generation turned into live objects.  Immutable once built; published to the
// workers as shared_ptr<const Runtime>; the previous one lives on in its connections.
class Runtime {
public:
    // Throws ConfigError (TLS files, etc.): a failed build leaves the running generation untouched.
    Runtime(Config config, std::uint64_t generation, unsigned workers, const Secrets& secrets,
            StatsRegistry& registry);

    [[nodiscard]] const Config& config() const noexcept { return config_; }
    [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
    [[nodiscard]] const std::vector<std::shared_ptr<const BackendPool>>& pools() const noexcept
    {
        return pools_;
    }
    [[nodiscard]] const std::vector<std::shared_ptr<const VirtualService>>&
    services() const noexcept
    {
        return services_;
    }
    [[nodiscard]] std::chrono::system_clock::time_point loaded_at() const noexcept
    {
        return loaded_at_;
    }

private:
    Config config_;
    std::uint64_t generation_;
    std::chrono::system_clock::time_point loaded_at_;
    std::vector<std::shared_ptr<const BackendPool>> pools_;
    std::vector<std::shared_ptr<const VirtualService>> services_;
};

} // namespace dlba::dlbad
