#include "service/virtual_service.h"

#include <algorithm>
#include <stdexcept>

#include "monitor/stats_registry.h"
#include <dlba/config/error.h>

namespace dlba::dlbad {

VirtualService::VirtualService(const ServiceConfig& config, const std::string& file,
                               std::shared_ptr<const BackendPool> pool,
                               const std::vector<PersistenceKey>& keys,
                               std::shared_ptr<TicketKeys> ticket_keys, Millis ticket_lifetime,
                               const SipKey& hash_key, unsigned workers, StatsRegistry& registry)
    : config_(config),
      pool_(std::move(pool)),
      hash_key_(hash_key),
      stats_(registry.service(config.name)),
      scheduler_(config, pool_, workers)
{
    if (config_.tls)
        tls_ = std::make_unique<TlsContext>(*config_.tls, std::move(ticket_keys), ticket_lifetime,
                                            file, config_.line);

    const auto& l = config_.limits;
    request_limits_.max_head_bytes = l.max_header_bytes;
    request_limits_.max_request_line = std::min<std::size_t>(l.max_header_bytes, 8192);
    request_limits_.max_header_count = l.max_headers;
    request_limits_.max_body_bytes = l.max_body_bytes;
    request_limits_.max_trailer_bytes = std::min<std::size_t>(l.max_header_bytes, 8192);
    response_limits_.max_head_bytes = l.max_response_header_bytes;
    response_limits_.max_request_line = std::min<std::size_t>(l.max_response_header_bytes, 8192);
    response_limits_.max_header_count = std::max<std::size_t>(200, l.max_headers * 2);
    response_limits_.max_body_bytes = 0;
    response_limits_.max_trailer_bytes = std::min<std::size_t>(l.max_response_header_bytes, 8192);

    try {
        if (config_.policy == Policy::Cookie) {
            CookieInjectionConfig cic;
            cic.session_cookie = config_.cookie.session;
            cic.persistence_cookie = config_.cookie.name;
            cic.nocache = config_.cookie.nocache;
            injector_.emplace(cic, CookieScope{config_.cookie.path, config_.cookie.domain});
            std::vector<TokenKey> tk;
            for (const auto& k : keys) {
                TokenKey t;
                t.id = static_cast<std::uint8_t>(k.id);
                t.secret.assign(k.secret.begin(), k.secret.end());
                tk.push_back(std::move(t));
            }
            codec_ = std::make_unique<PersistenceTokenCodec>(tk, config_.cookie.max_age);
        }
        if (!config_.session_id.rules.empty()) {
            std::vector<SessionIdRule> rules;
            for (const auto& r : config_.session_id.rules)
                rules.push_back(SessionIdExtractor::parse_rule(r));
            session_ids_.emplace(std::move(rules));
        }
    } catch (const std::invalid_argument& e) {
        throw config::ConfigError(file, config_.line,
                                  "service '" + config_.name + "': " + e.what());
    }
}

} // namespace dlba::dlbad
