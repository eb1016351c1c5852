#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/array_config.h"
#include "config_push/config_push.h"
#include "corosync/corosync.h"
#include "election/state_message.h"
#include "process/options.h"
#include "process/scheduler_actions.h"
#include "status/array_status.h"
#include "status/scheduler_metrics.h"
#include "sync/bucket_relay.h"
#include "sync/family_watch.h"
#include "sync/sync_replica.h"
#include "sync/sync_stats.h"
#include "vip/address_socket.h"
#include "vip/takeover_actions.h"
#include "vip/vip_group.h"
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>
#include <dlba/monitor/monitor_server.h>
#include <dlba/process/signal_watcher.h>

namespace dlba::arrayd {

// The dlba-arrayd process (WO 01/69890 "Scheduler Failover"): joins the CPG group "dlba-array",
// follows quorum through votequorum, broadcasts its state after every membership change, elects
// the holder of each VIP group once every member's state of the new membership is in, takes over
// or releases the group's addresses, and serves its status.  Without quorum it holds nothing.
class Daemon {
public:
    // Without `actions`, the scheduler's (SchedulerActions: touch dlba.ko's buckets, sweeps).
    Daemon(Options options, ArrayConfig config, std::unique_ptr<TakeoverActions> actions = {});
    ~Daemon();

    // Returns the process exit status: 0 after SIGTERM/SIGINT, 1 when corosync went away.
    int run();

    [[nodiscard]] ArrayStatus status() const;

private:
    void connect();
    void on_membership(const std::vector<std::uint32_t>& members,
                       const std::vector<std::uint32_t>& left);
    void on_message(std::uint32_t nodeid, std::string_view text);
    void on_quorum(bool quorate, const std::vector<std::uint32_t>& members);
    void on_lost(const std::string& why);
    void broadcast();
    void evaluate();
    void release_all(const char* why);
    [[nodiscard]] StateMessage own_state() const;
    // The bucket-table sync: the VIP group serving `key` (its address is one of the group's).
    [[nodiscard]] const VipGroup* group_of(const ctl::ServiceKey& key) const;
    [[nodiscard]] std::optional<std::uint32_t> sync_source(const ctl::ServiceKey& key) const;
    [[nodiscard]] std::string sync_role() const;
    void update_relay(bool took_over);

    Options options_;
    ArrayConfig config_;
    EventLoop loop_;
    // After the loop (its timers live there), before the groups that call it.
    SchedulerActions* scheduler_ = nullptr; // actions_ when it is the daemon's own
    std::unique_ptr<TakeoverActions> actions_;
    AddressSocket addresses_;
    std::vector<std::unique_ptr<VipGroup>> groups_;
    std::unique_ptr<ConfigPush> config_push_; // dlba.conf pushed to every node
    std::unique_ptr<CpgGroup> cpg_;
    std::unique_ptr<VoteQuorum> quorum_;
    std::unique_ptr<MonitorServer> monitor_;
    std::unique_ptr<SignalWatcher> signals_;

    bool quorate_ = false;
    std::set<std::uint32_t> quorum_members_;
    std::vector<std::uint32_t> cpg_members_;
    std::map<std::uint32_t, StateMessage> states_; // the members' latest states, by nodeid
    std::set<std::uint32_t> pending_; // members whose state is awaited before the next election
    std::map<std::string, std::string> holders_; // the last election
    std::map<std::string, std::chrono::system_clock::time_point> since_;
    Timer resend_timer_; // a broadcast corosync refused (flow control), sent again
    SyncStats sync_stats_;
    std::unique_ptr<BucketRelay> relay_;
    std::unique_ptr<SyncReplica> replica_;
    std::unique_ptr<SchedulerMetrics> scheduler_metrics_; // dlba.ko's tables, read per scrape
    std::unique_ptr<FamilyWatch> family_watch_;           // dlba.ko unloaded, loaded again
    bool joined_ = false; // a node joined: the holder sends a snapshot after the next election
    std::chrono::steady_clock::time_point started_;
    int exit_code_ = 0;
};

} // namespace dlba::arrayd
