#include "sync/bucket_relay.h"

#include <libmnl/libmnl.h>
#include <linux/dlba.h>
#include <linux/genetlink.h>
#include <sys/epoll.h>

#include <exception>

#include "dlba/ctl/codec.h"
#include "dlba/ctl/parse.h"
#include "dlba/nl/error.h"
#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

namespace {

constexpr std::chrono::milliseconds kRetry{50};
// While this node holds a group but dlba.ko could not be listened to (not loaded yet).
constexpr std::chrono::milliseconds kReopen{5000};
// Messages corosync has not taken yet (flow control), at most 64 MiB: beyond that the queue is
// dropped and a snapshot sent once it drains instead.
constexpr std::size_t kMaxOutbox = 256;

} // namespace

BucketRelay::BucketRelay(EventLoop& loop, std::chrono::milliseconds batch, Synced synced, Send send,
                         SyncStats& stats, Open open, Listen listen)
    : loop_(loop),
      batch_(batch),
      synced_(std::move(synced)),
      send_(std::move(send)),
      stats_(stats),
      open_(std::move(open)),
      listen_(std::move(listen)),
      batcher_(loop, batch,
               [this](std::vector<SyncRecord> r) { relay(std::move(r), SyncKind::delta); }),
      retry_([this] { drain(); }),
      reopen_([this] {
          if (active_ && !events_ && this->open())
              snapshot("dlba.ko can be listened to now");
      }),
      requested_([this] {
          auto why = "requested by node " + requesters_;
          snapshot(why.c_str());
      })
{
    if (!listen_)
        listen_ = [](std::uint16_t& family) {
            auto sock = std::make_unique<nl::GenlSocket>();
            family = sock->family_id(DLBA_GENL_NAME);
            sock->join_group(sock->mcast_group_id(DLBA_GENL_NAME, DLBA_MCGRP_BUCKETS));
            return sock;
        };
}

BucketRelay::~BucketRelay()
{
    close();
}

void BucketRelay::problem(const std::string& what)
{
    stats_.error(what);
    if (what != last_problem_)
        DLBA_LOG(LogLevel::Warning, "bucket sync: %s", what.c_str());
    last_problem_ = what;
}

bool BucketRelay::open()
{
    if (events_)
        return true;
    try {
        auto sock = listen_(family_);
        sock->set_nonblocking();
        loop_.add(sock->fd(), EPOLLIN, this);
        events_ = std::move(sock);
        last_problem_.clear();
        DLBA_LOG(LogLevel::Info, "bucket sync: relaying dlba.ko's bucket changes");
        return true;
    } catch (const std::exception& e) {
        problem(std::string("cannot listen to dlba.ko's bucket changes: ") + e.what());
        if (active_ && !reopen_.armed())
            loop_.arm(reopen_, kReopen);
        return false;
    }
}

void BucketRelay::close() noexcept
{
    if (!events_)
        return;
    loop_.remove(events_->fd());
    events_.reset();
    backend_.reset();
    DLBA_LOG(LogLevel::Info, "bucket sync: no longer relaying");
}

void BucketRelay::set_active(bool active)
{
    if (active == active_)
        return;
    active_ = active;
    if (active) {
        open();
        return;
    }
    close();
    batcher_.clear();
    floor_.clear();
    outbox_.clear();
    base_.reset();
    snapshot_due_ = false;
    retry_.cancel();
    reopen_.cancel();
    requested_.cancel();
}

void BucketRelay::request_snapshot(std::uint32_t from)
{
    if (!active_)
        return;
    ++stats_.requests_received;
    auto id = std::to_string(from);
    if (!requested_.armed()) {
        requesters_ = id;
        loop_.arm(requested_, batch_);
    } else if (requesters_.size() < 64 &&
               (" " + requesters_ + " ").find(" " + id + " ") == std::string::npos) {
        requesters_ += " " + id;
    }
}

void BucketRelay::family_changed(bool present)
{
    if (!present) {
        DLBA_LOG(LogLevel::Warning, "bucket sync: dlba.ko's family went away (module unloaded)");
        close();
        batcher_.clear();
        floor_.clear();
        // Also tried every 5 s, should the controller's notice of its return be lost.
        if (active_ && !reopen_.armed())
            loop_.arm(reopen_, kReopen);
        return;
    }
    DLBA_LOG(LogLevel::Notice, "bucket sync: dlba.ko's family is registered again: %s",
             active_ ? "listening anew, a snapshot follows" : "not relaying here");
    close();
    batcher_.clear();
    floor_.clear();
    if (active_) {
        reopen_.cancel();
        snapshot("dlba.ko was loaded again");
    }
}

void BucketRelay::on_events(std::uint32_t)
{
    if (!events_)
        return;
    bool lost = false;
    try {
        events_->read_pending(
            [&](const nlmsghdr* nlh) {
                if (nlh->nlmsg_type != family_ || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
                    return;
                auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(nlh));
                if (genl->cmd != DLBA_CMD_BUCKETS_NTF)
                    return;
                try {
                    auto change = ctl::codec::parse_bucket_change(nlh);
                    if (!synced_(change.key))
                        return;
                    auto f = floor_.find(change.key);
                    if (f != floor_.end() && change.version < f->second)
                        return;
                    batcher_.add(change);
                } catch (const nl::Error& e) {
                    problem(std::string("malformed bucket notification: ") + e.what());
                }
            },
            [&] {
                ++stats_.lost_notifications;
                lost = true;
            });
    } catch (const std::exception& e) {
        // The socket is unusable: open it again and send everything.
        problem(std::string("reading dlba.ko's bucket changes: ") + e.what());
        close();
        lost = true;
        open();
    }
    // The changes queued before the last snapshot's dump are read now; later ones may come from
    // a table made again (its versions start over), so the floor holds for one read only.
    floor_.clear();
    if (lost)
        snapshot("dlba.ko dropped bucket notifications");
}

void BucketRelay::snapshot(const char* why)
{
    if (!active_ || !open())
        return;
    requested_.cancel();
    try {
        if (!backend_)
            backend_ = open_();
        std::vector<SyncRecord> records;
        for (const auto& svc : backend_->services()) {
            if (!synced_(svc.key))
                continue;
            auto table = backend_->buckets(svc.key, false);
            if (table.assign.empty())
                continue;
            auto key = table.hash_key ? table.hash_key : svc.hash_key;
            if (!key) {
                problem(ctl::format_service(svc.key) + ": dlba.ko did not show the hash key");
                continue;
            }
            batcher_.drop(svc.key);
            floor_[svc.key] = table.version;
            records.push_back(
                {svc.key, table.count, table.version, 0, std::move(table.assign), key});
        }
        DLBA_LOG(LogLevel::Info, "bucket sync: snapshot of %zu services (%s)", records.size(), why);
        // Even of nothing: the standbys start over from it.
        ++stats_.snapshots_sent;
        relay(std::move(records), SyncKind::snapshot);
    } catch (const std::exception& e) {
        backend_.reset();
        problem(std::string("bucket snapshot: ") + e.what());
    }
}

void BucketRelay::relay(std::vector<SyncRecord> records, SyncKind kind)
{
    if (kind == SyncKind::delta && !base_) {
        // The standbys follow deltas only after a snapshot: the table goes out whole instead.
        snapshot("changes before any snapshot");
        return;
    }
    for (const auto& r : records) {
        auto& v = stats_.versions[ctl::format_service(r.key)];
        v = r.version;
    }
    if (kind == SyncKind::snapshot)
        base_ = sequence_;
    for (auto& m : encode_split(kind, sequence_, *base_, records))
        outbox_.push_back(std::move(m));
    if (outbox_.size() > kMaxOutbox && kind == SyncKind::delta) {
        problem("corosync did not take the bucket changes in time: dropped, a snapshot follows");
        outbox_.clear();
        snapshot_due_ = true;
    }
    drain();
}

void BucketRelay::drain()
{
    while (!outbox_.empty()) {
        if (!send_(outbox_.front())) {
            if (!retry_.armed())
                loop_.arm(retry_, kRetry);
            return;
        }
        ++stats_.messages_sent;
        stats_.records_sent += SyncMessage::record_count(outbox_.front());
        outbox_.pop_front();
    }
    if (snapshot_due_) {
        snapshot_due_ = false;
        snapshot("changes were dropped");
    }
}

} // namespace dlba::arrayd
