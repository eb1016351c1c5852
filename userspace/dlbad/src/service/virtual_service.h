#pragma once

#include <dlbad/cookie_injector.h>
#include <dlbad/http_types.h>
#include <dlbad/persistence_token.h>
#include <dlbad/session_id_extractor.h>
#include <dlbad/siphash.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backend/backend_pool.h"
#include "config/config.h"
#include "monitor/service_stats.h"
#include "service/service_scheduler.h"
#include "transport/tls_context.h"

namespace dlba::dlbad {

class StatsRegistry;

// One virtual service of one configuration generation, shared (const) by every worker thread.
// A connection holds the service of its current request, so a reload never changes the rules
// under a request in flight; its next request moves to the same service of the new generation
// (Worker::successor()).
class VirtualService {
public:
    // Throws ConfigError (TLS material, core library rejections) naming the service's line.
    VirtualService(const ServiceConfig& config, const std::string& file,
                   std::shared_ptr<const BackendPool> pool, const std::vector<PersistenceKey>& keys,
                   std::shared_ptr<TicketKeys> ticket_keys, Millis ticket_lifetime,
                   const SipKey& hash_key, unsigned workers, StatsRegistry& registry);

    [[nodiscard]] const ServiceConfig& config() const noexcept { return config_; }
    [[nodiscard]] const std::string& name() const noexcept { return config_.name; }
    [[nodiscard]] const BackendPool& pool() const noexcept { return *pool_; }
    [[nodiscard]] ServiceStats& stats() const noexcept { return *stats_; }
    [[nodiscard]] const TlsContext* tls() const noexcept { return tls_.get(); }
    [[nodiscard]] const ParserLimits& request_limits() const noexcept { return request_limits_; }
    [[nodiscard]] const ParserLimits& response_limits() const noexcept { return response_limits_; }
    [[nodiscard]] const ServiceScheduler& scheduler() const noexcept { return scheduler_; }
    [[nodiscard]] const CookieInjector* injector() const noexcept
    {
        return injector_ ? &*injector_ : nullptr;
    }
    [[nodiscard]] const PersistenceTokenCodec* codec() const noexcept { return codec_.get(); }
    [[nodiscard]] const SessionIdExtractor* session_ids() const noexcept
    {
        return session_ids_ ? &*session_ids_ : nullptr;
    }
    // Keyed hash (SipHash-2-4, the daemon's hash key) of a URL or session id: the position on the
    // ring.  Clients cannot choose ids or URLs that pile onto one server without the key.
    [[nodiscard]] std::uint64_t hash(std::string_view data) const noexcept
    {
        return siphash24(hash_key_, data);
    }
    // "10.0.0.10:443/tcp", the scheduler's service naming.
    [[nodiscard]] std::string service_id() const { return config_.listen.to_string() + "/tcp"; }

private:
    ServiceConfig config_;
    std::shared_ptr<const BackendPool> pool_;
    SipKey hash_key_;
    std::shared_ptr<ServiceStats> stats_;
    std::unique_ptr<TlsContext> tls_;
    ParserLimits request_limits_;
    ParserLimits response_limits_;
    ServiceScheduler scheduler_;
    std::optional<CookieInjector> injector_;
    std::unique_ptr<PersistenceTokenCodec> codec_;
    std::optional<SessionIdExtractor> session_ids_;
};

} // namespace dlba::dlbad
