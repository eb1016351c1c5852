#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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
//
// Each sender's messages are followed by sequence: a snapshot's first message starts over; any
// other message must carry the next sequence and the base of the snapshot it follows.  Otherwise
// (a lost message, a delta before any snapshot of that sender), or when buckets-set fails here,
// it is a gap: counted, logged, that sender's messages are no longer applied until its next
// snapshot, and one is requested from it (at once, then again on its later messages, at most
// every 1 s doubling up to 60 s until a snapshot applies).  Gaps count only for senders that are
// the source of a record of the message.
class SyncReplica {
public:
    // The nodeid whose records of `key` apply here: the holder of the VIP group with the
    // service's address.  nullopt when there is none, or it is this node.
    using Source = std::function<std::optional<std::uint32_t>(const ctl::ServiceKey&)>;
    // dlba.ko, opened when first needed (again after a failure).  Throws on failure.
    using Open = std::function<std::unique_ptr<ctl::Backend>()>;
    // Asks node `nodeid` for a snapshot (a SyncRequest to the CPG group); false if it could not
    // be sent now.
    using Request = std::function<bool(std::uint32_t nodeid)>;
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    SyncReplica(Open open, Source source, SyncStats& stats, Request request = {},
                Now now = &Clock::now);

    // A sync message as received from `nodeid` (decoded here: a malformed one is counted).
    void receive(std::uint32_t nodeid, std::string_view bytes);
    void apply(std::uint32_t nodeid, const SyncMessage& message);
    // dlba.ko's family went away (`present` false) or was registered again: the module is
    // resolved again before the next apply; a fresh one is empty, so every sender followed is
    // asked for a snapshot.
    void family_changed(bool present);
    // Whether `nodeid`'s deltas are applied (a snapshot of it applied, no gap since).
    [[nodiscard]] bool following(std::uint32_t nodeid) const;

private:
    struct Local {
        std::uint32_t count = 0;
        std::set<std::uint32_t> servers;
    };
    // What this replica follows of one sender's messages.
    struct Stream {
        enum class State { none, following, gap } state = State::none;
        std::uint64_t base = 0;
        std::uint64_t next = 0;
        Clock::time_point request_after{};
        Clock::duration backoff{};
    };

    // Applies the records; false when dlba.ko here failed (not a refusal of one service).
    bool apply_records(std::uint32_t nodeid, const SyncMessage& message);
    void gap(std::uint32_t nodeid, Stream& s, const std::string& why);
    void request(std::uint32_t nodeid, Stream& s);

    ctl::Backend* backend();
    std::optional<Local> local(const ctl::ServiceKey& key, const std::string& name);
    bool apply_range(const SyncRecord& r, const std::string& name, bool snapshot,
                     std::uint32_t start, std::uint32_t end);
    // Counts an error; logs it unless (service, cause) was logged since it last applied.
    void refuse(const std::string& service, const std::string& cause, const std::string& text);

    Open open_;
    Source source_;
    SyncStats& stats_;
    Request request_;
    Now now_;
    std::map<std::uint32_t, Stream> streams_;
    bool failed_ = false;        // dlba.ko failed during this apply
    bool module_absent_ = false; // the family went away: nothing to ask a snapshot for
    std::unique_ptr<ctl::Backend> backend_;
    std::set<std::pair<std::string, std::string>> logged_;
};

} // namespace dlba::arrayd
