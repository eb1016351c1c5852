#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dlba/ctl/backend.h"
#include "dlba/nl/genl_socket.h"
#include "sync/sync_batcher.h"
#include "sync/sync_stats.h"
#include <dlba/event/event_handler.h>
#include <dlba/event/timer.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// The holder's side of the bucket-table sync: while this node holds a VIP group it listens to
// dlba.ko's "buckets" multicast group on a non-blocking socket in the event loop, keeps the
// changes of the services it holds (whose address is one of its groups' addresses), coalesces
// them for `batch` (SyncBatcher) and multicasts them as delta messages; snapshot() sends the
// whole table of each of those services.  Messages corosync cannot take now (flow control) wait
// in order and go out later.  Without a group held the socket is closed.  Every message carries
// the next sequence and the base of the last snapshot (SyncMessage); changes before any snapshot
// since it became active go out as a snapshot instead.  Snapshot requests of the standbys are
// coalesced: one snapshot `batch` after the first, none if another went out meanwhile.
class BucketRelay final : public EventHandler {
public:
    using Synced = std::function<bool(const ctl::ServiceKey&)>;
    // Multicast to the CPG group; false when corosync cannot take it now.
    using Send = std::function<bool(std::string_view)>;
    using Open = std::function<std::unique_ptr<ctl::Backend>()>;
    // The socket joined to dlba.ko's "buckets" group, and the family's id.  Throws when it cannot.
    // Empty: a GenlSocket resolving "dlba" (tests pass a socket of their own).
    using Listen = std::function<std::unique_ptr<nl::GenlSocket>(std::uint16_t& family)>;

    BucketRelay(EventLoop& loop, std::chrono::milliseconds batch, Synced synced, Send send,
                SyncStats& stats, Open open, Listen listen = {});
    ~BucketRelay() override;
    BucketRelay(const BucketRelay&) = delete;
    BucketRelay& operator=(const BucketRelay&) = delete;

    // Whether this node holds a group: opens the kernel socket (when it can: dlba.ko may be
    // missing; then it tries every 5 s, and sends a snapshot once it can) or closes it and
    // forgets everything pending.
    void set_active(bool active);
    [[nodiscard]] bool active() const noexcept { return active_; }
    // Every synced service's table with its hash key, as snapshot messages; `why` is logged.
    void snapshot(const char* why);
    // A standby's request (SyncRequest) for this node: a snapshot `batch` later, ignored while no
    // group is held.
    void request_snapshot(std::uint32_t from);
    // dlba.ko's family went away (`present` false: the subscription is dead) or was registered
    // again: the socket is opened again (family and group resolved anew) and a snapshot sent.
    void family_changed(bool present);
    void on_events(std::uint32_t events) override;

private:
    bool open();
    void close() noexcept;
    void relay(std::vector<SyncRecord> records, SyncKind kind);
    void drain();
    void problem(const std::string& what);

    EventLoop& loop_;
    std::chrono::milliseconds batch_;
    Synced synced_;
    Send send_;
    SyncStats& stats_;
    Open open_;
    Listen listen_;
    std::unique_ptr<nl::GenlSocket> events_; // dlba.ko's "buckets" group, while active
    std::uint16_t family_ = 0;
    std::unique_ptr<ctl::Backend> backend_; // for the dumps of the snapshots
    SyncBatcher batcher_;
    // Per service, the version of the snapshot just sent: the older changes still queued on the
    // socket are not relayed after it.
    std::map<ctl::ServiceKey, std::uint64_t> floor_;
    std::deque<std::string> outbox_;
    Timer retry_;
    Timer reopen_;    // dlba.ko could not be listened to: tried again
    Timer requested_; // standbys asked for a snapshot
    std::string requesters_;
    std::uint64_t sequence_ = 0;
    std::optional<std::uint64_t> base_; // the last snapshot's first sequence, while active
    bool active_ = false;
    bool snapshot_due_ = false; // changes were dropped: a snapshot once the queue drains
    std::string last_problem_;
};

} // namespace dlba::arrayd
