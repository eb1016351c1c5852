#pragma once

#include "dlba/ctl/backend.h"
#include "dlba/nl/genl_socket.h"

#include <cstdint>
#include <functional>
#include <string>

namespace dlba::ctl {

// Backend over the "dlba" generic netlink family of dlba.ko.
class NetlinkBackend : public Backend {
public:
    // Opens the socket and resolves the family; throws nl::Error (ENOENT
    // with a hint when dlba.ko is not loaded).
    NetlinkBackend();

    // Receives extack warnings of successful requests.
    void set_warning_handler(std::function<void(const std::string&)> handler);

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
    // On a socket of its own, joined to the family's "buckets" group.
    void watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                       const std::function<bool()>& on_lost) override;
    void set_panic(const ServiceKey& key, bool on) override;
    void flush() override;
    GlobalStats stats() override;
    void zero_stats(const std::optional<ServiceKey>& key) override;

private:
    nl::Message message(uint8_t cmd, size_t capacity = 4096) const;

    nl::GenlSocket sock_;
    uint16_t family_ = 0;
};

} // namespace dlba::ctl
