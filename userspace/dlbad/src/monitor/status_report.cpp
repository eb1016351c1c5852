#include "monitor/status_report.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "admin/admin_command.h"
#include "admin/server_overrides.h"
#include "process/runtime.h"
#include <dlba/monitor/prometheus.h>

namespace dlba::dlbad {

namespace {

std::uint64_t get(const std::atomic<std::uint64_t>& v)
{
    return v.load(std::memory_order_relaxed);
}
std::int64_t get(const std::atomic<std::int64_t>& v)
{
    auto x = v.load(std::memory_order_relaxed);
    return x < 0 ? 0 : x;
}

double round3(double v)
{
    return static_cast<double>(static_cast<std::int64_t>(v * 1000.0 + 0.5)) / 1000.0;
}

nlohmann::json service_stats(const ServiceStats& s)
{
    return {
        {"connections", get(s.connections)},
        {"active_connections", get(s.active_connections)},
        {"requests", get(s.requests)},
        {"tls_handshakes", get(s.tls_handshakes)},
        {"tls_resumed", get(s.tls_resumed)},
        {"tls_failures", get(s.tls_failures)},
        {"bad_requests", get(s.bad_requests)},
        {"rejected_smuggling", get(s.rejected_smuggling)},
        {"no_server", get(s.no_server)},
        {"bad_gateway", get(s.bad_gateway)},
        {"gateway_timeout", get(s.gateway_timeout)},
        {"client_timeouts", get(s.client_timeouts)},
        {"rerouted", get(s.rerouted)},
        {"replayed", get(s.replayed)},
        {"persistence_hits", get(s.persistence_hits)},
        {"persistence_invalid", get(s.persistence_invalid)},
        {"internal_errors", get(s.internal_errors)},
        {"bytes_in", get(s.bytes_in)},
        {"bytes_out", get(s.bytes_out)},
        {"generated", {{"4xx", get(s.generated[4])}, {"5xx", get(s.generated[5])}}},
    };
}

nlohmann::json server_stats(const BackendStats& s)
{
    return {
        {"avg_resp_time_ms", round3(static_cast<double>(get(s.resp_time_ewma_us)) / 1000.0)},
        {"hits", get(s.hits)},
        {"open_conns", get(s.open_conns)},
        {"active_requests", get(s.active_requests)},
        {"unable_to_connect", get(s.unable_to_connect)},
        {"failures", get(s.failures)},
        {"errors", get(s.errors)},
        {"idle_discarded", get(s.idle_discarded)},
        {"cookies_assigned", get(s.cookies_assigned)},
        {"responses", get(s.responses)},
        {"bytes_out", get(s.bytes_out)},
        {"status",
         {{"1xx", get(s.status_class[1])},
          {"2xx", get(s.status_class[2])},
          {"3xx", get(s.status_class[3])},
          {"4xx", get(s.status_class[4])},
          {"5xx", get(s.status_class[5])}}},
    };
}

} // namespace

nlohmann::json StatusReport::build(const Runtime& runtime, const DaemonInfo& info)
{
    nlohmann::json doc;
    doc["format"] = 1;
    doc["dlbad"] = {
        {"pid", info.pid},
        {"uptime_s", round3(info.uptime_s)},
        {"workers", info.workers},
        {"connections", info.connections},
        {"loop_yields", info.loop_yields},
        {"access_log_lines", info.access_log_lines},
        {"access_log_dropped", info.access_log_dropped},
        {"generation", runtime.generation()},
        {"config", runtime.config().path},
        {"loaded_at",
         std::chrono::duration_cast<std::chrono::seconds>(runtime.loaded_at().time_since_epoch())
             .count()},
    };

    std::map<std::string, std::vector<std::string>> services_of_pool;
    auto services = nlohmann::json::array();
    for (const auto& s : runtime.services()) {
        const auto& c = s->config();
        services_of_pool[c.backend].push_back(c.name);
        services.push_back({
            {"name", c.name},
            {"service", s->service_id()},
            {"family", c.listen.family() == AF_INET6 ? "inet6" : "inet"},
            {"addr", c.listen.host()},
            {"port", c.listen.port()},
            {"proto", "tcp"},
            {"protocol", c.protocol == ListenProtocol::Https ? "https" : "http"},
            {"backend", c.backend},
            {"policy", policy_name(c.policy)},
            {"stats", service_stats(s->stats())},
        });
    }
    doc["services"] = std::move(services);

    struct Summary {
        std::string host;
        unsigned port = 0;
        std::uint64_t cookies = 0, hits = 0, responses = 0, unable = 0;
        std::int64_t open = 0;
        double weighted_rt = 0; // ewma x responses
        double rt_fallback = 0;
        bool failed = false, enabled = false;
        std::uint32_t weight = 0;
    };
    std::map<std::string, Summary> summary;
    auto servers = nlohmann::json::array();
    for (const auto& p : runtime.pools()) {
        for (const auto& b : p->servers()) {
            const auto& st = b.stats();
            const auto& cfg = b.config();
            bool failed = st.failed.load(std::memory_order_relaxed);
            servers.push_back({
                {"backend", p->name()},
                {"services", services_of_pool[p->name()]},
                {"id", cfg.key},
                {"addr", cfg.addr.host()},
                {"port", cfg.addr.port()},
                {"weight", cfg.weight},
                {"state", state_name(server_state(cfg))},
                {"enabled", cfg.enabled},
                {"failed", failed},
                {"stats", server_stats(st)},
            });
            auto& s = summary[cfg.addr.to_string()];
            s.host = cfg.addr.host();
            s.port = cfg.addr.port();
            s.cookies += get(st.cookies_assigned);
            s.hits += get(st.hits);
            s.open += get(st.open_conns);
            s.unable += get(st.unable_to_connect);
            auto resp = get(st.responses);
            double rt = static_cast<double>(get(st.resp_time_ewma_us)) / 1000.0;
            s.responses += resp;
            s.weighted_rt += rt * static_cast<double>(resp);
            s.rt_fallback = std::max(s.rt_fallback, rt);
            s.failed = s.failed || failed;
            s.enabled = s.enabled || cfg.enabled;
            s.weight = std::max(s.weight, cfg.weight);
        }
    }
    doc["servers"] = std::move(servers);
    auto sum = nlohmann::json::array();
    for (const auto& [key, s] : summary) {
        double rt = s.responses ? s.weighted_rt / static_cast<double>(s.responses) : s.rt_fallback;
        sum.push_back({
            {"addr", s.host},
            {"port", s.port},
            {"cookies_assigned", s.cookies},
            {"avg_resp_time_ms", round3(rt)},
            {"hits", s.hits},
            {"open_conns", s.open},
            {"unable_to_connect", s.unable},
            {"failed", s.failed},
            {"enabled", s.enabled},
            {"weight", s.weight},
        });
    }
    doc["summary"] = std::move(sum);
    return doc;
}

std::string StatusReport::prometheus(const nlohmann::json& doc)
{
    std::ostringstream o;
    auto metric = [&](const char* name, const char* type, const char* help) {
        o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    };
    const auto& d = doc.at("dlbad");
    metric("dlbad_uptime_seconds", "gauge", "Seconds since dlbad started.");
    o << "dlbad_uptime_seconds " << d.at("uptime_s").get<double>() << '\n';
    metric("dlbad_config_generation", "gauge",
           "Configuration generation (1 at start, +1 per reload).");
    o << "dlbad_config_generation " << d.at("generation").get<std::uint64_t>() << '\n';
    metric("dlbad_workers", "gauge", "Event loop threads.");
    o << "dlbad_workers " << d.at("workers").get<unsigned>() << '\n';
    metric("dlbad_client_connections", "gauge", "Open client connections.");
    o << "dlbad_client_connections " << d.at("connections").get<std::uint64_t>() << '\n';
    metric("dlbad_loop_yields_total", "counter",
           "Times an event loop busy for 0.5 ms without sleeping gave up its CPU.");
    o << "dlbad_loop_yields_total " << d.value("loop_yields", std::uint64_t{0}) << '\n';
    metric("dlbad_access_log_lines_total", "counter", "Access log lines written.");
    o << "dlbad_access_log_lines_total " << d.value("access_log_lines", std::uint64_t{0}) << '\n';
    metric("dlbad_access_log_dropped_total", "counter",
           "Access log lines lost: a worker's buffer full, or a write that failed.");
    o << "dlbad_access_log_dropped_total " << d.value("access_log_dropped", std::uint64_t{0})
      << '\n';

    struct Field {
        const char* key;
        const char* name;
        const char* type;
        const char* help;
    };
    static const Field kServiceFields[] = {
        {"connections", "dlbad_service_connections_total", "counter",
         "Client connections accepted."},
        {"active_connections", "dlbad_service_active_connections", "gauge",
         "Client connections open now."},
        {"requests", "dlbad_service_requests_total", "counter", "Complete requests received."},
        {"tls_handshakes", "dlbad_service_tls_handshakes_total", "counter",
         "TLS handshakes completed."},
        {"tls_resumed", "dlbad_service_tls_resumed_total", "counter",
         "TLS handshakes that resumed a session."},
        {"tls_failures", "dlbad_service_tls_failures_total", "counter",
         "TLS handshakes or records rejected."},
        {"bad_requests", "dlbad_service_bad_requests_total", "counter",
         "Requests rejected by dlbad (400, 413, 414, 431, 501, 505)."},
        {"rejected_smuggling", "dlbad_service_rejected_smuggling_total", "counter",
         "Requests rejected for ambiguous framing (smuggling attempts)."},
        {"no_server", "dlbad_service_no_server_total", "counter",
         "503 answers: no server could take the request."},
        {"bad_gateway", "dlbad_service_bad_gateway_total", "counter", "502 answers."},
        {"gateway_timeout", "dlbad_service_gateway_timeout_total", "counter", "504 answers."},
        {"client_timeouts", "dlbad_service_client_timeouts_total", "counter",
         "Clients too slow (request, send, handshake)."},
        {"rerouted", "dlbad_service_rerouted_total", "counter",
         "Requests moved to another server after a failed connect."},
        {"replayed", "dlbad_service_replayed_total", "counter",
         "Idempotent requests replayed after a server dropped them."},
        {"persistence_hits", "dlbad_service_persistence_hits_total", "counter",
         "Requests routed by cookie or session id."},
        {"persistence_invalid", "dlbad_service_persistence_invalid_total", "counter",
         "Persistence cookies rejected (forged, stale or malformed)."},
        {"internal_errors", "dlbad_service_internal_errors_total", "counter",
         "Connections closed on an internal failure (out of memory, epoll_ctl, SSL_new)."},
        {"bytes_in", "dlbad_service_bytes_in_total", "counter", "Bytes received from clients."},
        {"bytes_out", "dlbad_service_bytes_out_total", "counter",
         "Response bytes relayed to clients."},
    };
    for (const auto& f : kServiceFields) {
        metric(f.name, f.type, f.help);
        for (const auto& s : doc.at("services"))
            o << f.name << "{service=\"" << prometheus_label(s.at("name").get<std::string>())
              << "\",listen=\"" << prometheus_label(s.at("service").get<std::string>()) << "\"} "
              << s.at("stats").at(f.key).dump() << '\n';
    }

    metric("dlbad_service_generated_responses_total", "counter",
           "Error responses dlbad made itself (not the servers'), by status class.");
    for (const auto& s : doc.at("services")) {
        const auto& generated = s.at("stats").at("generated");
        for (const auto& [cls, v] : generated.items())
            o << "dlbad_service_generated_responses_total{service=\""
              << prometheus_label(s.at("name").get<std::string>()) << "\",listen=\""
              << prometheus_label(s.at("service").get<std::string>()) << "\",class=\"" << cls
              << "\"} " << v.dump() << '\n';
    }

    auto server_labels = [](const nlohmann::json& s) {
        std::string addr = s.at("addr").get<std::string>();
        if (addr.find(':') != std::string::npos)
            addr = "[" + addr + "]";
        return "backend=\"" + prometheus_label(s.at("backend").get<std::string>()) + "\",id=\"" +
               std::to_string(s.at("id").get<std::uint32_t>()) + "\",addr=\"" +
               prometheus_label(addr) + ":" + std::to_string(s.at("port").get<unsigned>()) + "\"";
    };
    static const Field kServerFields[] = {
        {"hits", "dlbad_server_hits_total", "counter",
         "Requests sent to the server (WO 01/69890 Fig. 7 # Hits)."},
        {"open_conns", "dlbad_server_open_connections", "gauge",
         "Connections open to the server (WO 01/69890 Fig. 7 # Open Conn)."},
        {"active_requests", "dlbad_server_active_requests", "gauge",
         "Requests in flight on the server."},
        {"unable_to_connect", "dlbad_server_unable_to_connect_total", "counter",
         "Connects refused, reset or timed out (WO 01/69890 Fig. 7 # Unable to Connects)."},
        {"failures", "dlbad_server_marked_failed_total", "counter",
         "Times the server was marked failed."},
        {"errors", "dlbad_server_errors_total", "counter",
         "Responses cut short, unparsable or timed out."},
        {"idle_discarded", "dlbad_server_idle_discarded_total", "counter",
         "Keep-alive connections closed instead of parked or reused: unread bytes or closed."},
        {"cookies_assigned", "dlbad_server_cookies_assigned_total", "counter",
         "Persistence cookies injected for the server (WO 01/69890 Fig. 8 # Cookie Groups "
         "Assgnd)."},
        {"responses", "dlbad_server_responses_total", "counter", "Response heads received."},
        {"bytes_out", "dlbad_server_bytes_out_total", "counter",
         "Response bytes relayed from the server."},
    };
    metric("dlbad_server_avg_response_time_seconds", "gauge",
           "Average response time, EWMA alpha 1/8 (WO 01/69890 Fig. 7 Avg Resp Time).");
    for (const auto& s : doc.at("servers"))
        o << "dlbad_server_avg_response_time_seconds{" << server_labels(s) << "} "
          << s.at("stats").at("avg_resp_time_ms").get<double>() / 1000.0 << '\n';
    for (const auto& f : kServerFields) {
        metric(f.name, f.type, f.help);
        for (const auto& s : doc.at("servers"))
            o << f.name << '{' << server_labels(s) << "} " << s.at("stats").at(f.key).dump()
              << '\n';
    }
    metric("dlbad_server_responses_by_class_total", "counter",
           "Response heads the server sent, by status class.");
    for (const auto& s : doc.at("servers"))
        for (const auto& [cls, v] : s.at("stats").at("status").items())
            o << "dlbad_server_responses_by_class_total{" << server_labels(s) << ",class=\"" << cls
              << "\"} " << v.dump() << '\n';
    metric("dlbad_server_enabled", "gauge",
           "1 if the server is enabled (WO 01/69890 Fig. 7 Enabled).");
    for (const auto& s : doc.at("servers"))
        o << "dlbad_server_enabled{" << server_labels(s) << "} "
          << (s.at("enabled").get<bool>() ? 1 : 0) << '\n';
    metric("dlbad_server_failed", "gauge",
           "1 if the server is marked failed by passive health checks.");
    for (const auto& s : doc.at("servers"))
        o << "dlbad_server_failed{" << server_labels(s) << "} "
          << (s.at("failed").get<bool>() ? 1 : 0) << '\n';
    metric("dlbad_server_weight", "gauge", "Configured weight (WO 01/69890 Fig. 7 Weight).");
    for (const auto& s : doc.at("servers"))
        o << "dlbad_server_weight{" << server_labels(s) << "} "
          << s.at("weight").get<std::uint32_t>() << '\n';
    return o.str();
}

std::string StatusReport::tables(const nlohmann::json& doc)
{
    std::ostringstream o;
    char line[512];
    const auto& d = doc.at("dlbad");
    std::snprintf(
        line, sizeof(line),
        "dlbad pid %ld, up %.0f s, %u workers, %llu connections, config generation %llu\n",
        d.at("pid").get<long>(), d.at("uptime_s").get<double>(), d.at("workers").get<unsigned>(),
        static_cast<unsigned long long>(d.at("connections").get<std::uint64_t>()),
        static_cast<unsigned long long>(d.at("generation").get<std::uint64_t>()));
    o << line << "\nServices\n";
    // The Listen column is as wide as its longest entry (an IPv6 VIP is wider than 24).
    int lw = 24;
    for (const auto& s : doc.at("services"))
        lw = std::max(lw, static_cast<int>(s.at("service").get<std::string>().size()));
    // Own 4xx / Own 5xx: the error responses dlbad made itself; the servers' answers are on their
    // rows below.
    std::snprintf(line, sizeof(line), "%-16s %-*s %-6s %-20s %10s %8s %8s %8s %8s\n", "Name", lw,
                  "Listen", "Proto", "Policy", "Requests", "Active", "Own 4xx", "Own 5xx",
                  "Rerouted");
    o << line;
    for (const auto& s : doc.at("services")) {
        const auto& st = s.at("stats");
        const auto generated = st.value("generated", nlohmann::json::object());
        const auto four = generated.value("4xx", std::uint64_t{0});
        const auto five = generated.value("5xx", std::uint64_t{0});
        std::snprintf(
            line, sizeof(line), "%-16s %-*s %-6s %-20s %10llu %8llu %8llu %8llu %8llu\n",
            s.at("name").get<std::string>().c_str(), lw, s.at("service").get<std::string>().c_str(),
            s.at("protocol").get<std::string>().c_str(), s.at("policy").get<std::string>().c_str(),
            static_cast<unsigned long long>(st.at("requests").get<std::uint64_t>()),
            static_cast<unsigned long long>(st.at("active_connections").get<std::uint64_t>()),
            static_cast<unsigned long long>(four), static_cast<unsigned long long>(five),
            static_cast<unsigned long long>(st.at("rerouted").get<std::uint64_t>()));
        o << line;
    }
    o << "\nWeb Server Status Table (WO 01/69890 Fig. 7)\n";
    // The figure's columns, then what the server answered by status class.
    std::snprintf(line, sizeof(line),
                  "%-10s %8s %-24s %13s %10s %11s %18s %7s %6s %6s %8s %10s %8s %8s %8s\n",
                  "Backend", "Server#", "Physical IP Addr", "Avg Resp Time", "# Hits",
                  "# Open Conn", "# Unable to Conn", "Enabled", "Failed", "Weight", "1xx", "2xx",
                  "3xx", "4xx", "5xx");
    o << line;
    for (const auto& s : doc.at("servers")) {
        const auto& st = s.at("stats");
        std::string addr =
            s.at("addr").get<std::string>() + ":" + std::to_string(s.at("port").get<unsigned>());
        const auto& cls = st.at("status");
        auto n = [&](const char* c) {
            return static_cast<unsigned long long>(cls.value(c, std::uint64_t{0}));
        };
        std::snprintf(
            line, sizeof(line),
            "%-10s %8u %-24s %11.2fms %10llu %11lld %18llu %7d %6d %6u %8llu %10llu %8llu %8llu "
            "%8llu\n",
            s.at("backend").get<std::string>().c_str(), s.at("id").get<unsigned>(), addr.c_str(),
            st.at("avg_resp_time_ms").get<double>(),
            static_cast<unsigned long long>(st.at("hits").get<std::uint64_t>()),
            static_cast<long long>(st.at("open_conns").get<std::int64_t>()),
            static_cast<unsigned long long>(st.at("unable_to_connect").get<std::uint64_t>()),
            s.at("enabled").get<bool>() ? 1 : 0, s.at("failed").get<bool>() ? 1 : 0,
            s.at("weight").get<unsigned>(), n("1xx"), n("2xx"), n("3xx"), n("4xx"), n("5xx"));
        o << line;
    }
    o << "\nSummary Web Server Status Table (WO 01/69890 Fig. 8)\n";
    std::snprintf(line, sizeof(line), "%-24s %22s %13s %12s %17s %6s %7s %6s\n", "Physical IP Addr",
                  "# Cookie Groups Assgnd", "Avg Resp Time", "Total # Hits", "Total # Open Conn",
                  "Failed", "Enabled", "Weight");
    o << line;
    for (const auto& s : doc.at("summary")) {
        std::string addr =
            s.at("addr").get<std::string>() + ":" + std::to_string(s.at("port").get<unsigned>());
        std::snprintf(
            line, sizeof(line), "%-24s %22llu %11.2fms %12llu %17lld %6d %7d %6u\n", addr.c_str(),
            static_cast<unsigned long long>(s.at("cookies_assigned").get<std::uint64_t>()),
            s.at("avg_resp_time_ms").get<double>(),
            static_cast<unsigned long long>(s.at("hits").get<std::uint64_t>()),
            static_cast<long long>(s.at("open_conns").get<std::int64_t>()),
            s.at("failed").get<bool>() ? 1 : 0, s.at("enabled").get<bool>() ? 1 : 0,
            s.at("weight").get<unsigned>());
        o << line;
    }
    return o.str();
}

} // namespace dlba::dlbad
