#include "dlba/ctl/planner.h"

#include "dlba/ctl/parse.h"

#include <linux/dlba.h>

#include <map>

namespace dlba::ctl {

namespace {

std::string yes_no(bool v)
{
    return v ? "yes" : "no";
}

void append(std::string& detail, const std::string& part)
{
    detail += (detail.empty() ? "" : ", ") + part;
}

Change add_server(const ServiceKey& key, const ServerSpec& spec)
{
    const ServerConfig& c = spec.config;
    Change ch{Change::Op::AddServer, key, {}, {}, c, {}, c.id, {}};
    append(ch.detail, "addr " + format_address(c.addr));
    append(ch.detail, "method " + method_name(c.method));
    if (c.mac)
        append(ch.detail, "mac " + format_mac(*c.mac));
    if (c.port)
        append(ch.detail, "port " + std::to_string(*c.port));
    append(ch.detail, "weight " + std::to_string(c.weight));
    if (!c.enabled)
        append(ch.detail, "disabled");
    if (c.failed)
        append(ch.detail, "failed");
    return ch;
}

Change del_server(const ServiceKey& key, uint32_t id, std::string why)
{
    return Change{Change::Op::DelServer, key, {}, {}, {}, {}, id, std::move(why)};
}

// Port the server really receives on: 0 means "the service's port".
uint16_t effective_port(uint16_t port, const ServiceKey& key)
{
    return port ? port : key.port;
}

// Why a server must be deleted and re-added (its address, port, MAC and
// method are fixed for its life), or empty if it can be updated in place.
std::string recreate_reason(const ServiceKey& key, const ServerConfig& w, const ServerInfo& cur)
{
    std::string why;
    if (w.method != cur.method)
        append(why, "method " + method_name(cur.method) + " -> " + method_name(w.method));
    if (w.addr != cur.addr)
        append(why, "addr " + format_address(cur.addr) + " -> " + format_address(w.addr));
    if (w.method == DLBA_FWD_NAT) {
        uint16_t from = effective_port(cur.port, key);
        uint16_t to = effective_port(w.port.value_or(0), key);
        if (from != to)
            append(why, "port " + std::to_string(from) + " -> " + std::to_string(to));
    }
    if (w.method == DLBA_FWD_DR && w.mac != cur.mac)
        append(why, "mac " + (cur.mac ? format_mac(*cur.mac) : std::string("neighbour")) + " -> " +
                        (w.mac ? format_mac(*w.mac) : std::string("neighbour")));
    return why;
}

// The updatable fields of 'cur' that differ from 'want'.
Change set_server(const ServiceKey& key, const ServerSpec& want, const ServerInfo& cur)
{
    const ServerConfig& w = want.config;
    Change ch{Change::Op::SetServer, key, {}, {}, {}, {}, w.id, {}};
    ServerChange& c = ch.server_change;
    c.id = w.id;
    if (w.weight != cur.weight) {
        c.weight = w.weight;
        append(ch.detail,
               "weight " + std::to_string(cur.weight) + " -> " + std::to_string(w.weight));
    }
    if (w.enabled != cur.enabled) {
        c.enabled = w.enabled;
        append(ch.detail, "enabled " + yes_no(cur.enabled) + " -> " + yes_no(w.enabled));
    }
    if (want.failed_given && w.failed != cur.failed) {
        c.failed = w.failed;
        append(ch.detail, "failed " + yes_no(cur.failed) + " -> " + yes_no(w.failed));
    }
    return ch;
}

} // namespace

std::vector<Change> Planner::plan(const Config& desired, const std::vector<ServiceInfo>& services,
                                  const std::vector<ServerInfo>& servers)
{
    std::map<ServiceKey, const ServiceInfo*> cur_svc;
    for (const auto& s : services)
        cur_svc.emplace(s.key, &s);
    std::map<ServiceKey, std::map<uint32_t, const ServerInfo*>> cur_srv;
    for (const auto& s : servers)
        cur_srv[s.service].emplace(s.id, &s);
    std::map<ServiceKey, const ServiceSpec*> want;
    for (const auto& s : desired.services)
        want.emplace(s.key, &s);

    std::vector<Change> del_svc, del_srv, add_svc, set_srv, add_srv;

    for (const auto& s : services)
        if (!want.count(s.key))
            del_svc.push_back(
                {Change::Op::DelService, s.key, {}, {}, {}, {}, 0, "not in the file"});

    for (const auto& spec : desired.services) {
        const ServiceKey& key = spec.key;
        auto found = cur_svc.find(key);
        std::string recreate;
        if (found != cur_svc.end()) {
            const ServiceInfo& cur = *found->second;
            if (cur.buckets != spec.buckets)
                append(recreate, "buckets " + std::to_string(cur.buckets) + " -> " +
                                     std::to_string(spec.buckets));
            if (cur.mode != spec.mode)
                append(recreate, "mode " + mode_name(cur.mode) + " -> " + mode_name(spec.mode));
            // The key is fixed for the service's life.  Without
            // CAP_NET_ADMIN it is not shown: then nothing is compared (and
            // apply, a change, is refused anyway).
            if (spec.hash_key && cur.hash_key && *spec.hash_key != *cur.hash_key)
                append(recreate, "hash key");
            if (!recreate.empty())
                del_svc.push_back(
                    {Change::Op::DelService, key, {}, {}, {}, {}, 0, "re-created: " + recreate});
        }
        if (found == cur_svc.end() || !recreate.empty()) {
            Change add{Change::Op::AddService,
                       key,
                       {key, spec.buckets, spec.timeout, spec.mode, spec.hash_key},
                       {},
                       {},
                       {},
                       0,
                       {}};
            add.detail = "buckets " + std::to_string(spec.buckets) + ", timeout " +
                         std::to_string(spec.timeout) + ", mode " + mode_name(spec.mode) +
                         (spec.hash_key ? ", hash key" : "");
            add_svc.push_back(add);
            for (const auto& srv : spec.servers)
                add_srv.push_back(add_server(key, srv));
            continue;
        }

        const ServiceInfo& cur = *found->second;
        if (cur.timeout != spec.timeout) {
            Change set{Change::Op::SetService, key, {}, {key, spec.timeout}, {}, {}, 0, {}};
            set.detail =
                "timeout " + std::to_string(cur.timeout) + " -> " + std::to_string(spec.timeout);
            add_svc.push_back(set);
        }
        const auto& cur_servers = cur_srv[key];
        std::map<uint32_t, const ServerSpec*> want_srv;
        for (const auto& srv : spec.servers)
            want_srv.emplace(srv.config.id, &srv);
        for (const auto& [id, info] : cur_servers)
            if (!want_srv.count(id))
                del_srv.push_back(del_server(key, id, "not in the file"));
        for (const auto& srv : spec.servers) {
            auto it = cur_servers.find(srv.config.id);
            if (it == cur_servers.end()) {
                add_srv.push_back(add_server(key, srv));
            } else if (auto why = recreate_reason(key, srv.config, *it->second); !why.empty()) {
                del_srv.push_back(del_server(key, srv.config.id, "re-created: " + why));
                add_srv.push_back(add_server(key, srv));
            } else if (Change set = set_server(key, srv, *it->second); !set.server_change.empty()) {
                set_srv.push_back(set);
            }
        }
    }

    std::vector<Change> plan;
    for (auto* phase : {&del_svc, &del_srv, &add_svc, &set_srv, &add_srv})
        plan.insert(plan.end(), phase->begin(), phase->end());
    return plan;
}

std::vector<Change> Planner::plan(const Config& desired, Backend& backend)
{
    auto services = backend.services();
    auto servers = backend.servers(std::nullopt);
    return plan(desired, services, servers);
}

void Planner::apply(Backend& backend, const std::vector<Change>& changes,
                    const std::function<void(const Change&)>& done)
{
    for (const auto& c : changes) {
        switch (c.op) {
        case Change::Op::DelService:
            backend.del_service(c.service);
            break;
        case Change::Op::DelServer:
            backend.del_server(c.service, c.id);
            break;
        case Change::Op::AddService:
            backend.add_service(c.service_config);
            break;
        case Change::Op::SetService:
            backend.set_service(c.service_change);
            break;
        case Change::Op::SetServer:
            backend.set_server(c.service, c.server_change);
            break;
        case Change::Op::AddServer:
            backend.add_server(c.service, c.server_config);
            break;
        }
        if (done)
            done(c);
    }
}

} // namespace dlba::ctl
