#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "dlba/ctl/backend.h"
#include "sync/sync_message.h"
#include "sync/sync_stats.h"

namespace dlba::arrayd {

// The standby's side of the bucket-table sync: applies the records of a sync message to the
// local dlba.ko (buckets-set of each range with its version, and the hash key of a snapshot, so
// that a table made under another key is refused loudly).  Only the current holder of the VIP
// group serving a record's service may set it; records from anyone else are ignored and
// counted.  A service missing here, of another bucket count, or server ids unknown here are
// logged (once per service and cause until it applies again) and counted; the rest is applied.
class SyncReplica {
public:
    // The nodeid whose records of `key` apply here: the holder of the VIP group with the
    // service's address.  nullopt when there is none, or it is this node.
    using Source = std::function<std::optional<std::uint32_t>(const ctl::ServiceKey&)>;
    // dlba.ko, opened when first needed (again after a failure).  Throws on failure.
    using Open = std::function<std::unique_ptr<ctl::Backend>()>;

    SyncReplica(Open open, Source source, SyncStats& stats);

    // A sync message as received from `nodeid` (decoded here: a malformed one is counted).
    void receive(std::uint32_t nodeid, std::string_view bytes);
    void apply(std::uint32_t nodeid, const SyncMessage& message);

private:
    struct Local {
        std::uint32_t count = 0;
        std::set<std::uint32_t> servers;
    };

    ctl::Backend* backend();
    std::optional<Local> local(const ctl::ServiceKey& key, const std::string& name);
    bool apply_range(const SyncRecord& r, const std::string& name, bool snapshot,
                     std::uint32_t start, std::uint32_t end);
    // Counts an error; logs it unless (service, cause) was logged since it last applied.
    void refuse(const std::string& service, const std::string& cause, const std::string& text);

    Open open_;
    Source source_;
    SyncStats& stats_;
    std::unique_ptr<ctl::Backend> backend_;
    std::set<std::pair<std::string, std::string>> logged_;
};

} // namespace dlba::arrayd
