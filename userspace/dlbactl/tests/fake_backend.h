#pragma once

#include "dlba/ctl/backend.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace dlba::ctl::test {

// In-memory stand-in for dlba.ko's control plane with the kernel's main
// rules (unknown service -> ENOENT, duplicates -> EEXIST, family and
// bucket-count checks), recording every change made.
class FakeBackend : public Backend {
public:
    std::vector<ServiceInfo> services() override;
    ServiceInfo service(const ServiceKey& key) override;
    void add_service(const ServiceConfig& config) override;
    void set_service(const ServiceChange& change) override;
    void del_service(const ServiceKey& key) override;
    std::vector<ServerInfo> servers(const std::optional<ServiceKey>& key) override;
    void add_server(const ServiceKey& key, const ServerConfig& config) override;
    void set_server(const ServiceKey& key, const ServerChange& change) override;
    void del_server(const ServiceKey& key, uint32_t id) override;
    BucketTable buckets(const ServiceKey& key, bool with_idle) override;
    void set_buckets(const ServiceKey& key, const std::vector<uint32_t>& assign,
                     std::optional<uint64_t> version,
                     const std::optional<HashKey>& hash_key) override;
    void set_bucket_range(const ServiceKey& key, uint32_t start,
                          const std::vector<uint32_t>& assign, std::optional<uint64_t> version,
                          const std::optional<HashKey>& hash_key) override;
    void touch_buckets(const std::optional<ServiceKey>& key) override;
    void watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                       const std::function<bool()>& on_lost) override;
    void set_panic(const ServiceKey& key, bool on) override;
    void flush() override;
    GlobalStats stats() override;
    void zero_stats(const std::optional<ServiceKey>& key) override;

    // What watch_buckets() delivers, in order; std::nullopt is a loss
    // (the kernel dropped changes).  It returns after the last one.
    std::vector<std::optional<BucketChange>> events;

    // Every successful change, e.g. "add_server 10.0.0.10:80/tcp 1".
    std::vector<std::string> calls;
    // Every request received, reads and changes, accepted or not, e.g. "servers
    // 10.0.0.10:80/tcp", "add_server 10.0.0.10:80/tcp 1": what dlbactl sent.
    std::vector<std::string> requests;
    // The servers of every add_server request received, as sent.
    std::vector<ServerConfig> added_servers;
    // Make the n-th next change (0 = the next) fail with EINVAL, once.
    int fail_after = -1;

    // Refuse the next request starting with `prefix` (e.g. "add_server 10.0.0.10:80/tcp 1"),
    // once, before the fake's own checks, with this errno and extended-ack text: a test that
    // chooses the text asserts dlbactl's report of a refusal, not the fake's wording.
    // Several refusals queue up in the order given.
    void refuse(std::string prefix, int error, std::string extack);
    // The requests refused that way.
    std::vector<std::string> refused;
    // Added to a service's counters at each read of it: traffic between two readings.
    std::uint64_t packets_per_read = 0;
    // What stats() reports (services: the number of services).
    Stats global_stats = [] {
        Stats g;
        g.packets = 10;
        g.bytes = 1000;
        g.new_assign = 3;
        g.reassign = 0;
        g.noserver = 1;
        g.errors = 0;
        g.replies = 0;
        return g;
    }();

    struct Svc {
        ServiceInfo info;
        std::map<uint32_t, ServerInfo> servers;
        BucketTable table;
    };
    std::map<ServiceKey, Svc> state;

private:
    struct Refusal {
        std::string prefix;
        int error;
        std::string extack;
    };
    std::deque<Refusal> refusals_;

    Svc& find(const ServiceKey& key);
    void request(const std::string& what);
    void change(const std::string& what);
};

// Forwards to a Backend owned elsewhere, so a test can hand a Context a
// backend to own while keeping the fake's state across several commands.
class BackendProxy : public Backend {
public:
    explicit BackendProxy(Backend& target) : t_(target) {}

    std::vector<ServiceInfo> services() override { return t_.services(); }
    ServiceInfo service(const ServiceKey& key) override { return t_.service(key); }
    void add_service(const ServiceConfig& c) override { t_.add_service(c); }
    void set_service(const ServiceChange& c) override { t_.set_service(c); }
    void del_service(const ServiceKey& key) override { t_.del_service(key); }
    std::vector<ServerInfo> servers(const std::optional<ServiceKey>& key) override
    {
        return t_.servers(key);
    }
    void add_server(const ServiceKey& key, const ServerConfig& c) override
    {
        t_.add_server(key, c);
    }
    void set_server(const ServiceKey& key, const ServerChange& c) override
    {
        t_.set_server(key, c);
    }
    void del_server(const ServiceKey& key, uint32_t id) override { t_.del_server(key, id); }
    BucketTable buckets(const ServiceKey& key, bool with_idle) override
    {
        return t_.buckets(key, with_idle);
    }
    void set_buckets(const ServiceKey& key, const std::vector<uint32_t>& assign,
                     std::optional<uint64_t> version,
                     const std::optional<HashKey>& hash_key) override
    {
        t_.set_buckets(key, assign, version, hash_key);
    }
    void set_bucket_range(const ServiceKey& key, uint32_t start,
                          const std::vector<uint32_t>& assign, std::optional<uint64_t> version,
                          const std::optional<HashKey>& hash_key) override
    {
        t_.set_bucket_range(key, start, assign, version, hash_key);
    }
    void touch_buckets(const std::optional<ServiceKey>& key) override { t_.touch_buckets(key); }
    void watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                       const std::function<bool()>& on_lost) override
    {
        t_.watch_buckets(on_change, on_lost);
    }
    void set_panic(const ServiceKey& key, bool on) override { t_.set_panic(key, on); }
    void flush() override { t_.flush(); }
    GlobalStats stats() override { return t_.stats(); }
    void zero_stats(const std::optional<ServiceKey>& key) override { t_.zero_stats(key); }

private:
    Backend& t_;
};

} // namespace dlba::ctl::test
