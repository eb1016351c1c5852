#include "process/runtime.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "monitor/stats_registry.h"
#include <dlba/config/error.h>

namespace dlba::dlbad {

Secrets Secrets::random()
{
    Secrets s;
    PersistenceKey k;
    k.id = 0;
    k.secret.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(k.secret.data()), 32) != 1)
        throw std::runtime_error("RAND_bytes failed");
    s.ticket_keys = std::make_shared<TicketKeys>();
    s.persistence_keys.push_back(std::move(k));
    s.hash_key = SipKey::random();
    return s;
}

Runtime::Runtime(Config config, std::uint64_t generation, unsigned workers, const Secrets& secrets,
                 StatsRegistry& registry)
    : config_(std::move(config)),
      generation_(generation),
      loaded_at_(std::chrono::system_clock::now())
{
    const auto& keys =
        config_.persistence_keys.empty() ? secrets.persistence_keys : config_.persistence_keys;
    const SipKey hash_key =
        config_.hash_key.empty() ? secrets.hash_key : SipKey::from_string(config_.hash_key);
    for (const auto& b : config_.backends)
        pools_.push_back(std::make_shared<const BackendPool>(b, registry));
    // A service that cannot be built (a certificate OpenSSL refuses) does not hide the others'.
    std::vector<config::Diagnostic> problems;
    for (const auto& s : config_.services) {
        std::shared_ptr<const BackendPool> pool;
        for (const auto& p : pools_)
            if (p->name() == s.backend)
                pool = p;
        try {
            services_.push_back(std::make_shared<const VirtualService>(
                s, config_.path, pool, keys, secrets.ticket_keys, config_.ticket_lifetime, hash_key,
                workers, registry));
        } catch (const config::ConfigError& e) {
            problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
        }
    }
    if (problems.size() == 1)
        throw config::ConfigError(std::move(problems.front()));
    if (!problems.empty())
        throw config::ConfigError(config_.path, std::move(problems));
}

} // namespace dlba::dlbad
