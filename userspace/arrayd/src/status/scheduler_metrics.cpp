#include "status/scheduler_metrics.h"

#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <sstream>

#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include <dlba/monitor/prometheus.h>
#include <dlba/nl/error.h>

namespace dlba::arrayd {

BucketPicture bucket_picture(const ctl::BucketTable& table, std::uint32_t max_cells)
{
    BucketPicture p;
    const auto n = table.assign.size();
    if (n == 0 || max_cells == 0)
        return p;
    p.per_cell = static_cast<std::uint32_t>((n + max_cells - 1) / max_cells);
    const bool idle = table.idle_ms.size() == n;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> held; // server id, buckets in the cell
    for (std::size_t start = 0; start < n; start += p.per_cell) {
        const auto end = std::min(n, start + p.per_cell);
        held.clear();
        std::optional<std::uint32_t> least_idle_ms;
        for (auto i = start; i < end; ++i) {
            const auto id = table.assign[i];
            if (id == 0)
                continue;
            auto it = std::find_if(held.begin(), held.end(),
                                   [id](const auto& h) { return h.first == id; });
            if (it == held.end())
                held.emplace_back(id, 1);
            else
                ++it->second;
            if (idle && (!least_idle_ms || table.idle_ms[i] < *least_idle_ms))
                least_idle_ms = table.idle_ms[i];
        }
        std::uint32_t owner = 0, most = 0;
        for (const auto& [id, count] : held)
            if (count > most) {
                owner = id;
                most = count;
            }
        p.owner.push_back(owner);
        if (idle)
            p.idle_s.push_back(least_idle_ms ? std::optional<std::uint32_t>(*least_idle_ms / 1000)
                                             : std::nullopt);
    }
    return p;
}

SchedulerMetrics::SchedulerMetrics(Open open, Clock::duration active_every)
    : open_(std::move(open)),
      active_every_(active_every)
{}

// One table read per scrape at most, whatever the number of services: the one counted longest
// ago (never counted first), once its count is `active_every_` old.
void SchedulerMetrics::count_active(const std::vector<SchedulerSnapshot::Service>& services,
                                    Clock::time_point now)
{
    const ctl::ServiceInfo* stalest = nullptr;
    std::optional<Clock::time_point> oldest;
    for (const auto& svc : services) {
        // A bigger table would hold up the event loop (CPG, the sweeps) for its dump.
        if (svc.info.buckets > kMaxActiveCountBuckets)
            continue;
        auto it = active_.find(svc.info.key);
        if (it == active_.end()) {
            stalest = &svc.info;
            break;
        }
        if (now - it->second.taken >= active_every_ && (!oldest || it->second.taken < *oldest)) {
            stalest = &svc.info;
            oldest = it->second.taken;
        }
    }
    if (!stalest)
        return;
    try {
        const auto table = backend_->buckets(stalest->key, true);
        const auto summary = ctl::output::summarize(table, stalest->timeout);
        if (summary.timeout)
            active_.insert_or_assign(stalest->key,
                                     ActiveCount{now, summary.active, bucket_picture(table)});
    } catch (const nl::Error&) {
        // Deleted meanwhile: counted again at a later scrape.
    }
}

SchedulerSnapshot SchedulerMetrics::read()
{
    // A socket kept from an earlier scrape fails once dlba.ko was reloaded (the family's id
    // changed): then a fresh one is tried at once.
    for (int attempt = 0;; ++attempt) {
        const bool kept = backend_ != nullptr;
        try {
            if (!backend_)
                backend_ = open_();
            return read_tables();
        } catch (const std::exception& e) {
            backend_.reset();
            active_.clear();
            if (!kept || attempt > 0)
                return SchedulerSnapshot{false, e.what(), {}, {}, {}};
        }
    }
}

SchedulerSnapshot SchedulerMetrics::read_tables()
{
    SchedulerSnapshot s;
    s.global = backend_->stats();
    s.servers = backend_->servers(std::nullopt);
    ctl::output::sort_servers(s.servers);
    const auto now = Clock::now();
    for (auto& info : backend_->services()) {
        info.hash_key.reset(); // a secret, not for a status page
        SchedulerSnapshot::Service svc{std::move(info), 0, std::nullopt, 0, std::nullopt};
        for (const auto& srv : s.servers)
            if (srv.service == svc.info.key)
                svc.assigned += srv.buckets;
        s.services.push_back(std::move(svc));
    }
    std::erase_if(active_, [&](const auto& e) {
        return std::none_of(s.services.begin(), s.services.end(),
                            [&](const auto& svc) { return svc.info.key == e.first; });
    });
    count_active(s.services, now);
    for (auto& svc : s.services)
        if (auto it = active_.find(svc.info.key); it != active_.end()) {
            svc.active = it->second.per_server;
            svc.picture = it->second.picture;
            svc.active_age_s = std::chrono::duration<double>(now - it->second.taken).count();
        }
    s.up = true;
    return s;
}

namespace {

std::string server_addr(const ctl::ServerInfo& srv)
{
    std::string addr = ctl::format_address(srv.addr);
    if (srv.addr.family == AF_INET6)
        addr = "[" + addr + "]";
    return srv.port ? addr + ":" + std::to_string(srv.port) : addr;
}

// One metric family: its HELP/TYPE lines once, then its samples; nothing without samples.
class Family {
public:
    Family(std::ostream& out, std::string name, const char* type, const char* help)
        : out_(out),
          name_(std::move(name)),
          type_(type),
          help_(help)
    {}
    void sample(const std::string& labels, const std::string& value)
    {
        if (!started_) {
            out_ << "# HELP " << name_ << ' ' << help_ << "\n# TYPE " << name_ << ' ' << type_
                 << '\n';
            started_ = true;
        }
        out_ << name_;
        if (!labels.empty())
            out_ << '{' << labels << '}';
        out_ << ' ' << value << '\n';
    }
    template <typename T>
    void sample(const std::string& labels, T value)
    {
        sample(labels, std::to_string(value));
    }

private:
    std::ostream& out_;
    std::string name_;
    const char* type_;
    const char* help_;
    bool started_ = false;
};

struct Counter {
    std::optional<std::uint64_t> ctl::Stats::*field;
    const char* name;
    const char* help;
};

// dlba.ko's counters (dlbactl stats), at each level that reports them.
const Counter kCounters[] = {
    {&ctl::Stats::packets, "packets_total", "Packets forwarded."},
    {&ctl::Stats::bytes, "bytes_total", "Bytes forwarded."},
    {&ctl::Stats::new_assign, "new_assignments_total",
     "Buckets newly assigned to a server (new clients)."},
    {&ctl::Stats::reassign, "reassignments_total",
     "Idle buckets assigned to another server on their next packet."},
    {&ctl::Stats::noserver, "no_server_total",
     "Packets dropped for lack of a usable (enabled, not failed) server."},
    {&ctl::Stats::errors, "errors_total", "Packets dropped on transmit or rewrite errors."},
    {&ctl::Stats::replies, "replies_total", "NAT replies rewritten."},
};

std::string service_label(const ctl::ServiceKey& key)
{
    return "service=\"" + prometheus_label(ctl::format_service(key)) + "\"";
}

std::string server_labels(const ctl::ServerInfo& srv)
{
    return service_label(srv.service) + ",id=\"" + std::to_string(srv.id) + "\",addr=\"" +
           prometheus_label(server_addr(srv)) + "\"";
}

std::string seconds(double v)
{
    std::ostringstream o;
    o << v;
    return o.str();
}

const SchedulerSnapshot::Service* find_service(const SchedulerSnapshot& s,
                                               const ctl::ServiceKey& key)
{
    for (const auto& svc : s.services)
        if (svc.info.key == key)
            return &svc;
    return nullptr;
}

} // namespace

std::string scheduler_prometheus(const SchedulerSnapshot& s)
{
    std::ostringstream out;
    Family(out, "dlba_scheduler_up", "gauge",
           "1 if the local dlba.ko answered this scrape, 0 if it is not loaded or failed.")
        .sample("", s.up ? 1 : 0);
    if (!s.up)
        return out.str();

    Family(out, "dlba_scheduler_services", "gauge", "Services in this network namespace.")
        .sample("", s.global.services.value_or(static_cast<std::uint32_t>(s.services.size())));
    for (const auto& c : kCounters) {
        Family f(out, std::string("dlba_scheduler_") + c.name, "counter", c.help);
        if (const auto& v = s.global.stats.*c.field)
            f.sample("", *v);
    }

    for (const auto& c : kCounters) {
        Family f(out, std::string("dlba_scheduler_service_") + c.name, "counter", c.help);
        for (const auto& svc : s.services)
            if (const auto& v = svc.info.stats.*c.field)
                f.sample(service_label(svc.info.key), *v);
    }
    Family buckets(out, "dlba_scheduler_service_buckets", "gauge",
                   "Client hash buckets in the service's table.");
    for (const auto& svc : s.services)
        buckets.sample(service_label(svc.info.key), svc.info.buckets);
    Family assigned(out, "dlba_scheduler_service_assigned_buckets", "gauge",
                    "Buckets assigned to a server (the others have none yet).");
    for (const auto& svc : s.services)
        assigned.sample(service_label(svc.info.key), svc.assigned);
    Family version(out, "dlba_scheduler_service_table_version", "gauge",
                   "The bucket table's version (+1 per change).");
    for (const auto& svc : s.services)
        version.sample(service_label(svc.info.key), svc.info.version);
    Family timeout(out, "dlba_scheduler_service_timeout_seconds", "gauge",
                   "Idle time after which a bucket may move to another server.");
    for (const auto& svc : s.services)
        timeout.sample(service_label(svc.info.key), svc.info.timeout);
    Family panic(out, "dlba_scheduler_service_panic", "gauge",
                 "1 in panic mode (buckets spread evenly, assignment frozen).");
    for (const auto& svc : s.services)
        panic.sample(service_label(svc.info.key), svc.info.panic ? 1 : 0);
    Family nservers(out, "dlba_scheduler_service_servers", "gauge", "Servers of the service.");
    for (const auto& svc : s.services)
        nservers.sample(service_label(svc.info.key), svc.info.nservers);
    Family age(out, "dlba_scheduler_service_active_buckets_age_seconds", "gauge",
               "Age of the last count of the service's active buckets (a scrape reads one whole "
               "table at most, each at most once a minute).");
    for (const auto& svc : s.services)
        if (svc.active)
            age.sample(service_label(svc.info.key), seconds(svc.active_age_s));

    for (const auto& c : kCounters) {
        Family f(out, std::string("dlba_scheduler_server_") + c.name, "counter", c.help);
        for (const auto& srv : s.servers)
            if (const auto& v = srv.stats.*c.field)
                f.sample(server_labels(srv), *v);
    }
    Family sbuckets(out, "dlba_scheduler_server_buckets", "gauge",
                    "Buckets assigned to the server.");
    for (const auto& srv : s.servers)
        sbuckets.sample(server_labels(srv), srv.buckets);
    Family active(out, "dlba_scheduler_server_active_buckets", "gauge",
                  "The server's buckets that saw a packet within the service timeout, at the "
                  "last count.");
    for (const auto& srv : s.servers) {
        const auto* svc = find_service(s, srv.service);
        if (!svc || !svc->active)
            continue;
        auto it = svc->active->find(srv.id);
        active.sample(server_labels(srv), it == svc->active->end() ? 0 : it->second);
    }
    Family weight(out, "dlba_scheduler_server_weight", "gauge", "Configured weight.");
    for (const auto& srv : s.servers)
        weight.sample(server_labels(srv), srv.weight);
    Family enabled(out, "dlba_scheduler_server_enabled", "gauge",
                   "1 if the server takes new buckets (0: draining).");
    for (const auto& srv : s.servers)
        enabled.sample(server_labels(srv), srv.enabled ? 1 : 0);
    Family failed(out, "dlba_scheduler_server_failed", "gauge",
                  "1 if the server is marked failed (its buckets were reset).");
    for (const auto& srv : s.servers)
        failed.sample(server_labels(srv), srv.failed ? 1 : 0);
    return out.str();
}

nlohmann::json scheduler_status_json(const SchedulerSnapshot& s)
{
    if (!s.up)
        return {{"up", false}, {"error", s.error}};
    nlohmann::json services = nlohmann::json::array();
    for (const auto& svc : s.services) {
        nlohmann::json j(ctl::output::service_json(svc.info));
        j["service"] = ctl::format_service(svc.info.key);
        j["assigned"] = svc.assigned;
        if (svc.active) {
            nlohmann::json active = nlohmann::json::object();
            for (const auto& [id, n] : *svc.active)
                active[std::to_string(id)] = n;
            j["active"] = std::move(active);
            j["active_age_s"] = svc.active_age_s;
        }
        if (svc.picture) {
            const auto& p = *svc.picture;
            nlohmann::json pic{
                {"per_cell", p.per_cell}, {"cells", p.owner.size()}, {"owner", p.owner}};
            if (!p.idle_s.empty()) {
                nlohmann::json idle = nlohmann::json::array();
                for (const auto& v : p.idle_s)
                    idle.push_back(v ? nlohmann::json(*v) : nlohmann::json());
                pic["idle_s"] = std::move(idle);
            }
            j["picture"] = std::move(pic);
        }
        nlohmann::json servers = nlohmann::json::array();
        for (const auto& srv : s.servers)
            if (srv.service == svc.info.key)
                servers.push_back(nlohmann::json(ctl::output::server_json(srv)));
        j["servers"] = std::move(servers);
        services.push_back(std::move(j));
    }
    return {{"up", true},
            {"stats", nlohmann::json(ctl::output::global_stats_json(s.global))},
            {"services", std::move(services)}};
}

} // namespace dlba::arrayd
