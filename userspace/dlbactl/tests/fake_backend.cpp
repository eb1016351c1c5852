#include "fake_backend.h"

#include "dlba/ctl/parse.h"
#include "dlba/nl/error.h"

#include <linux/dlba.h>

#include <algorithm>
#include <cerrno>

namespace dlba::ctl::test {

FakeBackend::Svc& FakeBackend::find(const ServiceKey& key)
{
    auto it = state.find(key);
    if (it == state.end())
        throw nl::Error(ENOENT, "unknown service");
    return it->second;
}

void FakeBackend::refuse(std::string prefix, int error, std::string extack)
{
    refusals_.push_back({std::move(prefix), error, std::move(extack)});
}

void FakeBackend::request(const std::string& what)
{
    requests.push_back(what);
    for (auto it = refusals_.begin(); it != refusals_.end(); ++it) {
        if (what.starts_with(it->prefix)) {
            nl::Error e(it->error, it->extack);
            refusals_.erase(it);
            refused.push_back(what);
            throw e;
        }
    }
}

void FakeBackend::change(const std::string& what)
{
    if (fail_after == 0) {
        fail_after = -1; // one failure only
        throw nl::Error(EINVAL, "injected failure");
    }
    if (fail_after > 0)
        fail_after--;
    calls.push_back(what);
}

std::vector<ServiceInfo> FakeBackend::services()
{
    request("services");
    std::vector<ServiceInfo> out;
    for (auto& [key, s] : state) {
        s.info.nservers = static_cast<uint32_t>(s.servers.size());
        s.info.version = s.table.version;
        out.push_back(s.info);
    }
    return out;
}

ServiceInfo FakeBackend::service(const ServiceKey& key)
{
    request("service " + format_service(key));
    Svc& s = find(key);
    s.info.nservers = static_cast<uint32_t>(s.servers.size());
    s.info.version = s.table.version;
    if (packets_per_read) {
        s.info.stats.packets = s.info.stats.packets.value_or(0) + packets_per_read;
        s.info.stats.bytes = s.info.stats.bytes.value_or(0) + 100 * packets_per_read;
        s.info.stats.new_assign = s.info.stats.new_assign.value_or(0) + packets_per_read / 10;
    }
    return s.info;
}

void FakeBackend::add_service(const ServiceConfig& c)
{
    request("add_service " + format_service(c.key));
    if (state.count(c.key))
        throw nl::Error(EEXIST, "service exists");
    uint32_t n = c.buckets.value_or(DLBA_BUCKETS_DEFAULT);
    if (!check_buckets(n).empty())
        throw nl::Error(EINVAL, "bucket count must be a power of two");
    change("add_service " + format_service(c.key));
    Svc s;
    s.info.key = c.key;
    s.info.buckets = n;
    s.info.timeout = c.timeout.value_or(DLBA_TIMEOUT_DEFAULT);
    s.info.mode = c.mode.value_or(DLBA_MODE_FORWARD);
    // As the kernel: the given key, or a random one (here: a fixed one).
    s.info.hash_key = c.hash_key.value_or(HashKey{0x5a});
    s.table.hash_key = s.info.hash_key;
    s.info.stats.packets = 0;
    s.info.stats.bytes = 0;
    s.table.count = n;
    s.table.assign.assign(n, 0);
    s.table.idle_ms.assign(n, 0);
    state.emplace(c.key, s);
}

void FakeBackend::set_service(const ServiceChange& c)
{
    request("set_service " + format_service(c.key));
    Svc& s = find(c.key);
    change("set_service " + format_service(c.key));
    if (c.timeout)
        s.info.timeout = *c.timeout;
}

void FakeBackend::del_service(const ServiceKey& key)
{
    request("del_service " + format_service(key));
    find(key);
    change("del_service " + format_service(key));
    state.erase(key);
}

std::vector<ServerInfo> FakeBackend::servers(const std::optional<ServiceKey>& key)
{
    request(key ? "servers " + format_service(*key) : "servers");
    std::vector<ServerInfo> out;
    if (key) {
        for (const auto& [id, srv] : find(*key).servers)
            out.push_back(srv);
        return out;
    }
    for (const auto& [k, s] : state)
        for (const auto& [id, srv] : s.servers)
            out.push_back(srv);
    return out;
}

void FakeBackend::add_server(const ServiceKey& key, const ServerConfig& c)
{
    added_servers.push_back(c);
    request("add_server " + format_service(key) + " " + std::to_string(c.id));
    Svc& s = find(key);
    if (s.servers.count(c.id))
        throw nl::Error(EEXIST, "server id exists");
    if (c.addr.family != key.addr.family)
        throw nl::Error(EAFNOSUPPORT, "server address family differs from the service");
    if (c.method != DLBA_FWD_DR && c.mac)
        throw nl::Error(EINVAL, "only dr servers take a MAC address");
    if (c.method != DLBA_FWD_NAT && c.port.value_or(0))
        throw nl::Error(EINVAL, "only nat servers take a port");
    change("add_server " + format_service(key) + " " + std::to_string(c.id));
    ServerInfo srv;
    srv.service = key;
    srv.id = c.id;
    srv.addr = c.addr;
    // Like the kernel: the real port of a non-nat server is the service's.
    srv.port = c.method == DLBA_FWD_NAT && c.port.value_or(0) ? *c.port : key.port;
    srv.mac = c.mac;
    srv.weight = c.weight;
    srv.enabled = c.enabled;
    srv.failed = c.failed;
    srv.method = c.method;
    s.servers.emplace(c.id, srv);
}

void FakeBackend::set_server(const ServiceKey& key, const ServerChange& c)
{
    request("set_server " + format_service(key) + " " + std::to_string(c.id));
    Svc& s = find(key);
    auto it = s.servers.find(c.id);
    if (it == s.servers.end())
        throw nl::Error(ENOENT, "unknown server");
    change("set_server " + format_service(key) + " " + std::to_string(c.id));
    ServerInfo& srv = it->second;
    if (c.weight)
        srv.weight = *c.weight;
    if (c.enabled)
        srv.enabled = *c.enabled;
    if (c.failed)
        srv.failed = *c.failed;
}

void FakeBackend::del_server(const ServiceKey& key, uint32_t id)
{
    request("del_server " + format_service(key) + " " + std::to_string(id));
    Svc& s = find(key);
    if (!s.servers.count(id))
        throw nl::Error(ENOENT, "unknown server");
    change("del_server " + format_service(key) + " " + std::to_string(id));
    s.servers.erase(id);
}

BucketTable FakeBackend::buckets(const ServiceKey& key, bool with_idle)
{
    request("buckets " + format_service(key));
    BucketTable t = find(key).table;
    if (!with_idle)
        t.idle_ms.clear();
    return t;
}

void FakeBackend::set_buckets(const ServiceKey& key, const std::vector<uint32_t>& assign,
                              std::optional<uint64_t> version,
                              const std::optional<HashKey>& hash_key)
{
    request("set_buckets " + format_service(key));
    Svc& s = find(key);
    if (assign.size() != s.table.count)
        throw nl::Error(EINVAL, "wrong bucket count");
    if (hash_key && hash_key != s.info.hash_key)
        throw nl::Error(EINVAL, "table was made under another hash key");
    change("set_buckets " + format_service(key));
    s.table.assign = assign;
    if (version)
        s.table.version = *version;
}

void FakeBackend::set_bucket_range(const ServiceKey& key, uint32_t start,
                                   const std::vector<uint32_t>& assign,
                                   std::optional<uint64_t> version,
                                   const std::optional<HashKey>& hash_key)
{
    std::string what = "set_bucket_range " + format_service(key) + " " + std::to_string(start) +
                       "+" + std::to_string(assign.size());
    request(what);
    Svc& s = find(key);
    if (assign.empty() || start >= s.table.count || assign.size() > s.table.count - start)
        throw nl::Error(ERANGE, "buckets out of the table's range");
    if (hash_key && hash_key != s.info.hash_key)
        throw nl::Error(EINVAL, "table was made under another hash key");
    for (auto id : assign)
        if (id != 0 && !s.servers.count(id))
            throw nl::Error(EINVAL, "unknown server id");
    change(what);
    std::copy(assign.begin(), assign.end(), s.table.assign.begin() + start);
    if (version) {
        s.table.version = *version;
        s.info.version = *version;
    }
}

void FakeBackend::touch_buckets(const std::optional<ServiceKey>& key)
{
    std::string what = "touch_buckets " + (key ? format_service(*key) : std::string("all"));
    request(what);
    if (key)
        find(*key);
    change(what);
}

void FakeBackend::watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                                const std::function<bool()>& on_lost)
{
    request("watch_buckets");
    for (const auto& e : events) {
        if (!(e ? on_change(*e) : on_lost()))
            return;
    }
}

void FakeBackend::set_panic(const ServiceKey& key, bool on)
{
    request(std::string("panic ") + (on ? "on " : "off ") + format_service(key));
    Svc& s = find(key);
    change(std::string("panic ") + (on ? "on " : "off ") + format_service(key));
    s.info.panic = on;
}

void FakeBackend::flush()
{
    request("flush");
    change("flush");
    state.clear();
}

GlobalStats FakeBackend::stats()
{
    request("stats");
    GlobalStats g;
    g.services = static_cast<uint32_t>(state.size());
    g.stats = global_stats;
    return g;
}

namespace {

// As the kernel's: every counter it reports becomes 0; absent ones stay absent.
void zero(Stats& s)
{
    for (auto* c :
         {&s.packets, &s.bytes, &s.new_assign, &s.reassign, &s.noserver, &s.errors, &s.replies})
        if (*c)
            *c = 0;
}

} // namespace

void FakeBackend::zero_stats(const std::optional<ServiceKey>& key)
{
    std::string what = "zero_stats " + (key ? format_service(*key) : std::string("all"));
    request(what);
    if (key)
        find(*key);
    change(what);
    if (!key)
        zero(global_stats);
    for (auto& [k, s] : state) {
        if (key && k != *key)
            continue;
        zero(s.info.stats);
        for (auto& [id, srv] : s.servers)
            zero(srv.stats);
    }
}

} // namespace dlba::ctl::test
