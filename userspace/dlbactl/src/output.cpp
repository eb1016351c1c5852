#include "dlba/ctl/output.h"

#include "dlba/ctl/parse.h"
#include "dlba/ctl/table_printer.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

namespace dlba::ctl::output {

using json = nlohmann::ordered_json;

namespace {

std::string num(const std::optional<uint64_t>& v)
{
    return v ? std::to_string(*v) : "-";
}

std::string yes_no(bool v)
{
    return v ? "yes" : "no";
}

// The NUD_* flags of a neighbour entry by the names `ip neigh` uses.
std::string neigh_state_name(uint16_t state)
{
    static constexpr std::pair<uint16_t, const char*> kNudNames[] = {
        {0x01, "INCOMPLETE"}, {0x02, "REACHABLE"}, {0x04, "STALE"}, {0x08, "DELAY"},
        {0x10, "PROBE"},      {0x20, "FAILED"},    {0x40, "NOARP"}, {0x80, "PERMANENT"},
    };
    std::string s;
    for (auto [bit, name] : kNudNames)
        if (state & bit)
            s += (s.empty() ? "" : "|") + std::string(name);
    return s.empty() ? "NONE" : s;
}

// The MAC column: the configured MAC, or what the neighbour table resolved.
std::string mac_cell(const ServerInfo& s)
{
    if (s.mac)
        return format_mac(*s.mac);
    if (!s.neigh_state)
        return "-";
    std::string state = neigh_state_name(*s.neigh_state);
    return (s.lladdr ? format_mac(*s.lladdr) : std::string("unresolved")) + " (" + state + ")";
}

void put(json& j, const char* name, const std::optional<uint64_t>& v)
{
    if (v)
        j[name] = *v;
}

} // namespace

json stats_json(const Stats& s)
{
    json j = json::object();
    put(j, "packets", s.packets);
    put(j, "bytes", s.bytes);
    put(j, "new_assign", s.new_assign);
    put(j, "reassign", s.reassign);
    put(j, "noserver", s.noserver);
    put(j, "errors", s.errors);
    put(j, "replies", s.replies);
    return j;
}

json service_json(const ServiceInfo& s)
{
    json j{
        {"family", family_name(s.key.addr.family)},
        {"addr", format_address(s.key.addr)},
        {"port", s.key.port},
        {"proto", proto_name(s.key.proto)},
        {"buckets", s.buckets},
        {"timeout", s.timeout},
        {"mode", mode_name(s.mode)},
        {"panic", s.panic},
        {"version", s.version},
        {"nservers", s.nservers},
        {"stats", stats_json(s.stats)},
    };
    if (s.hash_key)
        j["hash_key"] = format_hash_key(*s.hash_key);
    return j;
}

json server_json(const ServerInfo& s)
{
    return json{
        {"service", format_service(s.service)},
        {"id", s.id},
        {"addr", format_address(s.addr)},
        {"port", s.port},
        {"mac", s.mac ? json(format_mac(*s.mac)) : json(nullptr)},
        {"neigh", s.neigh_state
                      ? json{{"state", neigh_state_name(*s.neigh_state)},
                             {"lladdr", s.lladdr ? json(format_mac(*s.lladdr)) : json(nullptr)}}
                      : json(nullptr)},
        {"weight", s.weight},
        {"method", method_name(s.method)},
        {"state", server_state_name(server_state(s.enabled, s.failed))},
        {"enabled", s.enabled},
        {"failed", s.failed},
        {"buckets", s.buckets},
        {"stats", stats_json(s.stats)},
    };
}

json global_stats_json(const GlobalStats& g)
{
    json j = stats_json(g.stats);
    if (g.services)
        j["services"] = *g.services;
    return j;
}

json service_stats_json(const ServiceInfo& s)
{
    json j{{"service", format_service(s.key)}};
    j.update(stats_json(s.stats));
    return j;
}

void sort_servers(std::vector<ServerInfo>& servers)
{
    std::map<ServiceKey, size_t> order;
    for (const auto& s : servers)
        order.emplace(s.service, order.size());
    std::stable_sort(servers.begin(), servers.end(), [&](const ServerInfo& a, const ServerInfo& b) {
        size_t oa = order[a.service], ob = order[b.service];
        return oa != ob ? oa < ob : a.id < b.id;
    });
}

void print_buckets_json(std::ostream& out, const ServiceKey& key, const BucketTable& t)
{
    out << "{\"service\":" << json(format_service(key)).dump() << ",\"version\":" << t.version
        << ",\"count\":" << t.count << ",\"buckets\":[";
    for (size_t i = 0; i < t.assign.size(); i++)
        out << (i ? ",[" : "[") << t.assign[i] << ',' << (i < t.idle_ms.size() ? t.idle_ms[i] : 0)
            << ']';
    out << "]}\n";
}

BucketSummary summarize(const BucketTable& t, std::optional<uint32_t> timeout)
{
    BucketSummary s;
    s.version = t.version;
    s.count = t.count;
    const bool idle = timeout && t.idle_ms.size() == t.assign.size();
    if (idle)
        s.timeout = timeout;
    for (size_t i = 0; i < t.assign.size(); i++) {
        const uint32_t id = t.assign[i];
        if (id == 0) {
            s.unassigned++;
            continue;
        }
        s.per_server[id]++;
        if (idle && uint64_t{t.idle_ms[i]} < uint64_t{*timeout} * 1000)
            s.active[id]++;
        else if (idle)
            s.active.try_emplace(id, 0);
    }
    return s;
}

json summary_json(const ServiceKey& key, const BucketSummary& s)
{
    json servers = json::object();
    for (const auto& [id, n] : s.per_server)
        servers[std::to_string(id)] = n;
    json j{{"service", format_service(key)},
           {"version", s.version},
           {"count", s.count},
           {"unassigned", s.unassigned},
           {"servers", std::move(servers)}};
    if (s.timeout) {
        json active = json::object();
        for (const auto& [id, n] : s.active)
            active[std::to_string(id)] = n;
        j["timeout"] = *s.timeout;
        j["active"] = std::move(active);
    }
    return j;
}

void print_services(std::ostream& out, const std::vector<ServiceInfo>& services)
{
    TablePrinter t({"SERVICE", "BUCKETS", "TIMEOUT", "MODE", "PANIC", "VERSION", "SERVERS",
                    "PACKETS", "BYTES"});
    for (const auto& s : services)
        t.add_row({format_service(s.key), std::to_string(s.buckets), std::to_string(s.timeout),
                   mode_name(s.mode), s.panic ? "on" : "off", std::to_string(s.version),
                   std::to_string(s.nservers), num(s.stats.packets), num(s.stats.bytes)});
    t.print(out);
}

void print_servers(std::ostream& out, const std::vector<ServerInfo>& servers,
                   const std::optional<ServiceKey>& only)
{
    // Services in the order they first appear.
    std::vector<ServiceKey> order;
    std::set<ServiceKey> seen;
    if (only) {
        order.push_back(*only);
        seen.insert(*only);
    }
    for (const auto& s : servers)
        if (seen.insert(s.service).second)
            order.push_back(s.service);
    bool first = true;
    for (const auto& key : order) {
        if (!first)
            out << '\n';
        first = false;
        out << "Service " << format_service(key) << '\n';
        TablePrinter t({"ID", "ADDR", "PORT", "MAC", "METHOD", "WEIGHT", "STATE", "ENABLED",
                        "FAILED", "BUCKETS", "PACKETS", "BYTES"});
        for (const auto& s : servers) {
            if (s.service != key)
                continue;
            t.add_row({std::to_string(s.id), format_address(s.addr), std::to_string(s.port),
                       mac_cell(s), method_name(s.method), std::to_string(s.weight),
                       server_state_name(server_state(s.enabled, s.failed)), yes_no(s.enabled),
                       yes_no(s.failed), std::to_string(s.buckets), num(s.stats.packets),
                       num(s.stats.bytes)});
        }
        t.print(out);
    }
}

void show_services(std::ostream& out, bool as_json, const std::vector<ServiceInfo>& services)
{
    if (!as_json) {
        print_services(out, services);
        return;
    }
    auto doc = json::array();
    for (const auto& s : services)
        doc.push_back(service_json(s));
    print_json(out, doc);
}

void show_servers(std::ostream& out, bool as_json, std::vector<ServerInfo> servers,
                  const std::optional<ServiceKey>& only)
{
    sort_servers(servers);
    if (!as_json) {
        print_servers(out, servers, only);
        return;
    }
    auto doc = json::array();
    for (const auto& s : servers)
        doc.push_back(server_json(s));
    print_json(out, doc);
}

void print_buckets(std::ostream& out, const ServiceKey& key, const BucketTable& table)
{
    out << "Service " << format_service(key) << "  version " << table.version << "  buckets "
        << table.count << '\n';
    // Up to 4M rows: fixed columns written straight out (TablePrinter
    // would hold every cell).  Widths: the largest index, "65535".
    int w = std::clamp<int>(
        static_cast<int>(std::to_string(table.count ? table.count - 1 : 0).size()), 6, 10);
    char line[128];
    std::snprintf(line, sizeof(line), "%-*s  %-6s  %s\n", w, "BUCKET", "SERVER", "IDLE_MS");
    out << line;
    for (size_t i = 0; i < table.assign.size(); i++) {
        uint32_t id = table.assign[i];
        uint32_t idle = i < table.idle_ms.size() ? table.idle_ms[i] : UINT32_MAX;
        char sid[12] = "-", sidle[12] = "-";
        if (id)
            std::snprintf(sid, sizeof(sid), "%u", id);
        if (idle != UINT32_MAX)
            std::snprintf(sidle, sizeof(sidle), "%u", idle);
        std::snprintf(line, sizeof(line), "%-*zu  %-6s  %s\n", w, i, sid, sidle);
        out << line;
    }
}

void print_summary(std::ostream& out, const ServiceKey& key, const BucketSummary& s)
{
    out << "Service " << format_service(key) << "  version " << s.version << "  buckets "
        << s.count;
    if (s.timeout)
        out << "  timeout " << *s.timeout << "s (ACTIVE: a packet within it)";
    out << '\n';
    auto share = [&](uint64_t n) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.1f%%", s.count ? 100.0 * double(n) / s.count : 0.0);
        return std::string(buf);
    };
    std::vector<std::string> head = {"SERVER", "BUCKETS", "SHARE"};
    if (s.timeout)
        head.emplace_back("ACTIVE");
    TablePrinter t(head);
    for (const auto& [id, n] : s.per_server) {
        std::vector<std::string> row = {std::to_string(id), std::to_string(n), share(n)};
        if (s.timeout) {
            auto a = s.active.find(id);
            row.push_back(std::to_string(a == s.active.end() ? 0 : a->second));
        }
        t.add_row(row);
    }
    std::vector<std::string> last = {"unassigned", std::to_string(s.unassigned),
                                     share(s.unassigned)};
    if (s.timeout)
        last.emplace_back("-");
    t.add_row(last);
    t.print(out);
}

void print_stats(std::ostream& out, const Stats& s, const std::optional<uint32_t>& services)
{
    TablePrinter t({"COUNTER", "VALUE"});
    if (services)
        t.add_row({"services", std::to_string(*services)});
    t.add_row({"packets", num(s.packets)});
    t.add_row({"bytes", num(s.bytes)});
    t.add_row({"new_assign", num(s.new_assign)});
    t.add_row({"reassign", num(s.reassign)});
    t.add_row({"noserver", num(s.noserver)});
    t.add_row({"errors", num(s.errors)});
    t.add_row({"replies", num(s.replies)});
    t.print(out);
}

void print_json(std::ostream& out, const json& doc)
{
    out << doc.dump() << '\n';
}

Stats rates(const Stats& before, const Stats& after, double seconds)
{
    auto rate = [seconds](const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
        std::optional<uint64_t> r;
        // A counter that went down was reset meanwhile (module reloaded): no rate.
        if (a && b && *b >= *a && seconds > 0)
            r = static_cast<uint64_t>(static_cast<double>(*b - *a) / seconds + 0.5);
        return r;
    };
    Stats r;
    r.packets = rate(before.packets, after.packets);
    r.bytes = rate(before.bytes, after.bytes);
    r.new_assign = rate(before.new_assign, after.new_assign);
    r.reassign = rate(before.reassign, after.reassign);
    r.noserver = rate(before.noserver, after.noserver);
    r.errors = rate(before.errors, after.errors);
    r.replies = rate(before.replies, after.replies);
    return r;
}

json rates_json(const Stats& r, double seconds)
{
    return json{{"interval_ms", static_cast<uint64_t>(seconds * 1000 + 0.5)},
                {"per_second", stats_json(r)}};
}

void print_rates(std::ostream& out, const Stats& r, double seconds)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f", seconds);
    TablePrinter t({"COUNTER", std::string("PER SECOND (over ") + buf + " s)"});
    t.add_row({"packets", num(r.packets)});
    t.add_row({"bits", r.bytes ? std::to_string(*r.bytes * 8) : "-"});
    t.add_row({"new_assign", num(r.new_assign)});
    t.add_row({"reassign", num(r.reassign)});
    t.add_row({"noserver", num(r.noserver)});
    t.add_row({"errors", num(r.errors)});
    t.add_row({"replies", num(r.replies)});
    t.print(out);
}

json bucket_change_json(const BucketChange& c)
{
    return json{{"service", format_service(c.key)},
                {"version", c.version},
                {"count", c.count},
                {"start", c.start},
                {"assign", c.assign}};
}

void print_bucket_change(std::ostream& out, const BucketChange& c)
{
    out << format_service(c.key) << " version " << c.version;
    if (c.assign.size() == 1)
        out << " bucket " << c.start << ':';
    else
        out << " buckets " << c.start << '-' << c.start + c.assign.size() - 1 << ':';
    for (uint32_t id : c.assign) {
        out << ' ';
        if (id)
            out << id;
        else
            out << '-';
    }
    out << '\n';
}

json changes_lost_json()
{
    return json{{"lost", true}};
}

void print_changes_lost(std::ostream& out)
{
    out << "lost: changes were dropped (receive buffer overrun); re-read the bucket tables\n";
}

} // namespace dlba::ctl::output
