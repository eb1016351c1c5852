#include "process/daemon.h"

#include <linux/dlba.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "dlba/ctl/netlink_backend.h"
#include "election/election.h"
#include "status/status_page.h"
#include <dlba/process/logger.h>
#include <dlba/process/systemd_notifier.h>

namespace dlba::arrayd {

namespace {

constexpr const char* kGroup = "dlba-array";
// How long a starting daemon waits for corosync to answer (it may be starting too).
constexpr int kConnectAttempts = 40;
constexpr std::chrono::milliseconds kConnectRetry{250};
constexpr std::chrono::milliseconds kResend{100};

} // namespace

Daemon::Daemon(Options options, ArrayConfig config, std::unique_ptr<TakeoverActions> actions)
    : options_(std::move(options)),
      config_(std::move(config)),
      actions_(std::move(actions)),
      resend_timer_([this] { broadcast(); }),
      started_(std::chrono::steady_clock::now())
{
    if (!actions_) {
        auto own = std::make_unique<SchedulerActions>(loop_, config_);
        scheduler_ = own.get();
        actions_ = std::move(own);
    }
    config_push_ = std::make_unique<ConfigPush>(
        loop_, config_, [this](std::string_view m) { return cpg_ && cpg_->send(m); });
    auto now = std::chrono::system_clock::now();
    for (const auto& g : config_.vips) {
        groups_.push_back(std::make_unique<VipGroup>(loop_, g, addresses_, *actions_));
        since_[g.name] = now;
    }
    auto open = []() -> std::unique_ptr<ctl::Backend> {
        return std::make_unique<ctl::NetlinkBackend>();
    };
    relay_ = std::make_unique<BucketRelay>(
        loop_, config_.sync.batch,
        [this](const ctl::ServiceKey& key) {
            const auto* g = group_of(key);
            return g && g->active();
        },
        [this](std::string_view bytes) { return cpg_ && cpg_->send(bytes); }, sync_stats_, open);
    scheduler_metrics_ = std::make_unique<SchedulerMetrics>(open);
    replica_ = std::make_unique<SyncReplica>(
        open, [this](const ctl::ServiceKey& key) { return sync_source(key); }, sync_stats_,
        [this](std::uint32_t nodeid) { return cpg_ && cpg_->send(SyncRequest{nodeid}.encode()); });
}

Daemon::~Daemon()
{
    for (auto& g : groups_)
        g->release();
    family_watch_.reset();
    relay_.reset();
    monitor_.reset();
    quorum_.reset();
    cpg_.reset();
}

StateMessage Daemon::own_state() const
{
    const auto& self = config_.self();
    StateMessage m{self.name, self.priority, self.address, {}};
    for (const auto& g : groups_)
        if (g->active())
            m.holds.insert(g->config().name);
    return m;
}

const VipGroup* Daemon::group_of(const ctl::ServiceKey& key) const
{
    for (const auto& g : groups_)
        for (const auto& a : g->config().addresses)
            if (a.ip.family == key.addr.family && a.ip.bytes == key.addr.bytes)
                return g.get();
    return nullptr;
}

std::optional<std::uint32_t> Daemon::sync_source(const ctl::ServiceKey& key) const
{
    const auto* g = group_of(key);
    if (!g || g->active())
        return std::nullopt;
    auto it = holders_.find(g->config().name);
    if (it == holders_.end() || it->second.empty() || it->second == config_.self().name)
        return std::nullopt;
    const auto* node = config_.find_node(it->second);
    return node ? std::optional<std::uint32_t>(node->id) : std::nullopt;
}

std::string Daemon::sync_role() const
{
    if (relay_ && relay_->active())
        return "source";
    for (const auto& [group, holder] : holders_)
        if (!holder.empty() && holder != config_.self().name)
            return "replica";
    return "off";
}

void Daemon::update_relay(bool took_over)
{
    bool active =
        std::any_of(groups_.begin(), groups_.end(), [](const auto& g) { return g->active(); });
    relay_->set_active(active);
    if (!active)
        return;
    if (took_over)
        relay_->snapshot("took a VIP group over");
    else if (joined_)
        relay_->snapshot("a node joined the array");
}

void Daemon::broadcast()
{
    if (!cpg_)
        return;
    if (!cpg_->send(own_state().encode()) && !resend_timer_.armed())
        loop_.arm(resend_timer_, kResend);
}

void Daemon::release_all(const char* why)
{
    bool any = false;
    for (auto& g : groups_)
        if (g->active()) {
            if (!any)
                DLBA_LOG(LogLevel::Warning, "releasing the VIPs: %s", why);
            any = true;
            g->release();
        }
    if (any)
        broadcast();
    relay_->set_active(false);
}

void Daemon::on_membership(const std::vector<std::uint32_t>& members,
                           const std::vector<std::uint32_t>& left)
{
    // Who must be heard from before the next election.  After a change where members only left,
    // nobody (but those awaited from an earlier change): what each survivor holds is current here (every change of it is broadcast, and
    // CPG's virtual synchrony delivers the broadcasts sent before the change to every survivor
    // before the change), so every survivor elects at once from the same input; a round of
    // state messages there would add a token rotation to every failover.  After a join: every
    // member, as before, so that all elect at the same point of the agreed order, after the
    // newcomer has every state: the holder's snapshot, sent after its election, then reaches a
    // newcomer that knows who sends it.
    bool grew = false;
    for (auto id : members)
        if (std::find(cpg_members_.begin(), cpg_members_.end(), id) == cpg_members_.end()) {
            grew = true;
            if (id != config_.self().id)
                joined_ = true;
        }
    std::set<std::uint32_t> pending;
    for (auto id : members)
        if (grew || !states_.count(id) || pending_.count(id))
            pending.insert(id);
    cpg_members_ = members;
    for (auto id : left)
        states_.erase(id);
    pending_ = std::move(pending);
    std::string list;
    for (auto id : members)
        list += (list.empty() ? "" : " ") + std::to_string(id);
    DLBA_LOG(LogLevel::Info, "CPG membership: %s (%zu left)", list.c_str(), left.size());
    config_push_->on_membership();
    // The holders that left are gone at once (the status does not name them until the election).
    auto now = std::chrono::system_clock::now();
    for (auto id : left)
        for (const auto& n : config_.cluster.nodes)
            for (auto& [group, holder] : holders_)
                if (n.id == id && holder == n.name) {
                    holder.clear();
                    since_[group] = now;
                }
    broadcast();
    if (pending_.empty())
        evaluate();
}

void Daemon::on_message(std::uint32_t nodeid, std::string_view text)
{
    if (ConfigMessage::is_config(text)) {
        config_push_->on_message(nodeid, text);
        return;
    }
    if (SyncMessage::is_request(text)) {
        try {
            if (SyncRequest::decode(text).nodeid == config_.self().id)
                relay_->request_snapshot(nodeid);
        } catch (const SyncFormatError& e) {
            sync_stats_.error("node " + std::to_string(nodeid) +
                              ": malformed snapshot request: " + e.what());
            DLBA_LOG(LogLevel::Warning, "bucket sync: node %u: malformed request ignored: %s",
                     nodeid, e.what());
        }
        return;
    }
    if (SyncMessage::is_sync(text)) {
        // Its own messages come back too: this node is their source.
        if (nodeid != config_.self().id)
            replica_->receive(nodeid, text);
        return;
    }
    auto m = StateMessage::decode(text);
    if (!m) {
        DLBA_LOG(LogLevel::Warning, "node %u: a message that is not a version-%u state, ignored",
                 nodeid, StateMessage::kVersion);
        return;
    }
    const auto* node = config_.find_node(m->name);
    if (!node || node->id != nodeid) {
        DLBA_LOG(LogLevel::Warning,
                 "node %u calls itself '%s', which is not its name in cluster.nodes: ignored",
                 nodeid, m->name.c_str());
        return;
    }
    states_[nodeid] = std::move(*m);
    pending_.erase(nodeid);
    if (pending_.empty())
        evaluate();
}

void Daemon::on_quorum(bool quorate, const std::vector<std::uint32_t>& members)
{
    bool changed = quorate != quorate_;
    quorate_ = quorate;
    quorum_members_ = std::set<std::uint32_t>(members.begin(), members.end());
    if (changed)
        DLBA_LOG(LogLevel::Notice, "quorum %s (%zu nodes)", quorate ? "gained" : "lost",
                 members.size());
    if (!quorate) {
        release_all("no quorum");
        holders_.clear();
        return;
    }
    if (pending_.empty())
        evaluate();
}

void Daemon::evaluate()
{
    // The election's members: in the CPG group, in the quorum, their state in.  A partition that
    // is not a majority of the configured nodes elects nobody even before votequorum's notice
    // reaches this daemon (the two connections to corosync are not ordered with each other).
    std::vector<Candidate> members;
    for (auto id : cpg_members_) {
        auto it = states_.find(id);
        if (it == states_.end() || !quorum_members_.count(id))
            continue;
        members.push_back(
            {it->second.name, it->second.priority, it->second.address, it->second.holds});
    }
    auto nodes = config_.cluster.nodes.size();
    bool majority = nodes == 2 ? !members.empty() : members.size() * 2 > nodes;
    bool quorate = quorate_ && majority;
    std::vector<std::string> names;
    for (const auto& g : groups_)
        names.push_back(g->config().name);
    auto holders = elect(quorate, members, names);
    const auto& self = config_.self().name;
    bool changed = false;
    bool took_over = false;
    auto now = std::chrono::system_clock::now();
    for (auto& g : groups_) {
        const auto& name = g->config().name;
        auto it = holders.find(name);
        std::string holder = it == holders.end() ? std::string() : it->second;
        if (holders_[name] != holder) {
            since_[name] = now;
            DLBA_LOG(LogLevel::Info, "vip group %s: elected %s", name.c_str(),
                     holder.empty() ? "nobody" : holder.c_str());
        }
        holders_[name] = holder;
        if (holder == self && !g->active()) {
            bool ok = g->activate();
            changed = ok || changed;
            took_over = ok || took_over;
        } else if (holder != self && g->active()) {
            g->release();
            changed = true;
        }
    }
    if (changed)
        broadcast();
    // After the state broadcast: the snapshot reaches every node after it, in agreed order, and a
    // node that joined has elected (and knows who sends) by then.
    update_relay(took_over);
    joined_ = false;
}

void Daemon::on_lost(const std::string& why)
{
    DLBA_LOG(LogLevel::Error, "corosync: %s; releasing the VIPs and exiting", why.c_str());
    for (auto& g : groups_)
        g->release();
    relay_->set_active(false);
    exit_code_ = 1;
    loop_.stop();
}

void Daemon::connect()
{
    for (int attempt = 1;; ++attempt) {
        try {
            quorum_ = std::make_unique<VoteQuorum>(
                loop_, VoteQuorum::Callbacks{
                           [this](bool q, const std::vector<std::uint32_t>& m) { on_quorum(q, m); },
                           [this](const std::string& why) { on_lost(why); }});
            cpg_ = std::make_unique<CpgGroup>(
                loop_, kGroup,
                CpgGroup::Callbacks{
                    [this](const std::vector<std::uint32_t>& m,
                           const std::vector<std::uint32_t>& l) { on_membership(m, l); },
                    [this](std::uint32_t id, std::string_view text) { on_message(id, text); },
                    [this](const std::string& why) { on_lost(why); }});
            break;
        } catch (const CorosyncError& e) {
            quorum_.reset();
            if (e.error() != CS_ERR_LIBRARY && e.error() != CS_ERR_TRY_AGAIN)
                throw;
            if (attempt >= kConnectAttempts)
                throw;
            if (attempt == 1)
                DLBA_LOG(LogLevel::Notice, "waiting for corosync: %s", e.what());
            std::this_thread::sleep_for(kConnectRetry);
        }
    }
    if (cpg_->local_nodeid() != config_.self().id)
        throw std::runtime_error(
            "corosync's nodeid here is " + std::to_string(cpg_->local_nodeid()) + ", but node '" +
            config_.node + "' has id " + std::to_string(config_.self().id) + " in " + config_.path);
}

ArrayStatus Daemon::status() const
{
    ArrayStatus s;
    s.node = config_.node;
    s.nodeid = config_.self().id;
    s.quorate = quorate_;
    s.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    for (auto id : cpg_members_) {
        auto it = states_.find(id);
        if (it == states_.end() || !quorum_members_.count(id))
            continue;
        s.members.push_back(
            {it->second.name, id, it->second.priority, format_ip(it->second.address),
             std::vector<std::string>(it->second.holds.begin(), it->second.holds.end())});
    }
    for (const auto& g : groups_) {
        VipStatus v;
        v.name = g->config().name;
        v.interface = g->config().interface;
        for (const auto& a : g->config().addresses)
            v.addresses.push_back(a.text);
        if (auto it = holders_.find(v.name); it != holders_.end() && !it->second.empty())
            v.holder = it->second;
        v.since = since_.at(v.name);
        v.active = g->active();
        v.takeovers = g->takeovers();
        v.announcements = g->announcements();
        v.arp_replies = g->arp_replies();
        v.na_replies = g->na_replies();
        s.vips.push_back(std::move(v));
    }
    return s;
}

int Daemon::run()
{
    // A node starts as a standby: addresses left by an earlier run (killed) go first.
    for (auto& g : groups_)
        g->clean();
    ::signal(SIGPIPE, SIG_IGN);
    signals_ = std::make_unique<SignalWatcher>(
        loop_, std::initializer_list<int>{SIGTERM, SIGINT, SIGQUIT}, [this](int) {
            SystemdNotifier::notify("STOPPING=1");
            loop_.stop();
        });
    monitor_ = std::make_unique<MonitorServer>(
        loop_,
        [this] {
            auto j = status_json(status());
            j["sweep"] = scheduler_ ? scheduler_->sweep_status() : nlohmann::json();
            j["config"] = config_push_->status();
            j["sync"] = sync_status_json(sync_stats_, sync_role());
            j["scheduler"] = scheduler_status_json(scheduler_metrics_->read());
            return j.dump(2) + "\n";
        },
        [this] {
            return status_prometheus(status()) + (scheduler_ ? scheduler_->sweep_metrics() : "") +
                   config_push_->metrics() + sync_prometheus(sync_stats_, sync_role()) +
                   scheduler_prometheus(scheduler_metrics_->read());
        },
        array_status_page());
    monitor_->configure(MonitorConfig{config_.status.unix_socket, {}, config_.status.metrics});
    config_push_->start();
    try {
        family_watch_ = std::make_unique<FamilyWatch>(loop_, DLBA_GENL_NAME, [this](bool present) {
            if (present) {
                ++sync_stats_.module_reloads;
                config_push_->module_loaded(); // services first: the snapshot fills them
            }
            relay_->family_changed(present);
            replica_->family_changed(present);
        });
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Warning,
                 "cannot follow dlba.ko's reloads (generic netlink controller): %s", e.what());
    }
    connect();
    DLBA_LOG(LogLevel::Notice, "started: node %s (nodeid %u), %zu VIP groups, CPG group %s",
             config_.node.c_str(), config_.self().id, groups_.size(), kGroup);
    SystemdNotifier::notify("READY=1");
    loop_.run();
    for (auto& g : groups_)
        g->release();
    relay_->set_active(false);
    if (exit_code_ == 0)
        broadcast();
    DLBA_LOG(LogLevel::Notice, "stopped");
    return exit_code_;
}

} // namespace dlba::arrayd
