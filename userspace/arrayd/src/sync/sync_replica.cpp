#include "sync/sync_replica.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>

#include "dlba/ctl/parse.h"
#include "dlba/nl/error.h"
#include <dlba/process/logger.h>

namespace dlba::arrayd {

namespace {

constexpr std::chrono::seconds kFirstBackoff{1};
constexpr std::chrono::seconds kMaxBackoff{60};

} // namespace

SyncReplica::SyncReplica(Open open, Source source, SyncStats& stats, Request request, Now now)
    : open_(std::move(open)),
      source_(std::move(source)),
      stats_(stats),
      request_(std::move(request)),
      now_(std::move(now))
{}

void SyncReplica::refuse(const std::string& service, const std::string& cause,
                         const std::string& text)
{
    stats_.error(service + ": " + text);
    if (logged_.insert({service, cause}).second)
        DLBA_LOG(LogLevel::Warning, "bucket sync: %s: %s", service.c_str(), text.c_str());
}

ctl::Backend* SyncReplica::backend()
{
    if (!backend_) {
        try {
            backend_ = open_();
        } catch (const std::exception& e) {
            refuse("dlba.ko", "open", std::string("cannot open: ") + e.what());
            failed_ = true;
            return nullptr;
        }
    }
    return backend_.get();
}

void SyncReplica::receive(std::uint32_t nodeid, std::string_view bytes)
{
    SyncMessage m;
    try {
        m = SyncMessage::decode(bytes);
    } catch (const SyncFormatError& e) {
        stats_.error("node " + std::to_string(nodeid) + ": malformed sync message: " + e.what());
        DLBA_LOG(LogLevel::Warning, "bucket sync: node %u: malformed message ignored: %s", nodeid,
                 e.what());
        return;
    }
    apply(nodeid, m);
}

std::optional<SyncReplica::Local> SyncReplica::local(const ctl::ServiceKey& key,
                                                     const std::string& name)
{
    auto* b = backend();
    if (!b)
        return std::nullopt;
    try {
        Local l;
        l.count = b->service(key).buckets;
        for (const auto& s : b->servers(key))
            l.servers.insert(s.id);
        return l;
    } catch (const nl::Error& e) {
        if (e.code() == ENOENT)
            refuse(name, "missing", "no such service here: its table is not synced");
        else
            refuse(name, "read", std::string("cannot read the service: ") + e.what());
        failed_ = failed_ || e.code() != ENOENT;
    } catch (const std::exception& e) {
        backend_.reset();
        refuse(name, "read", std::string("cannot read the service: ") + e.what());
        failed_ = true;
    }
    return std::nullopt;
}

bool SyncReplica::apply_range(const SyncRecord& r, const std::string& name, bool snapshot,
                              std::uint32_t start, std::uint32_t end)
{
    std::vector<std::uint32_t> ids(r.ids.begin() + (start - r.start),
                                   r.ids.begin() + (end - r.start));
    try {
        backend_->set_bucket_range(r.key, start, ids, r.version,
                                   snapshot ? r.hash_key : std::nullopt);
        return true;
    } catch (const nl::Error& e) {
        refuse(name, "set " + std::to_string(e.code()),
               std::string("buckets-set refused: ") + e.what());
    } catch (const std::exception& e) {
        backend_.reset();
        refuse(name, "set", std::string("buckets-set failed: ") + e.what());
    }
    failed_ = true;
    return false;
}

bool SyncReplica::following(std::uint32_t nodeid) const
{
    auto it = streams_.find(nodeid);
    return it != streams_.end() && it->second.state == Stream::State::following;
}

void SyncReplica::request(std::uint32_t nodeid, Stream& s)
{
    if (!request_ || module_absent_)
        return;
    auto now = now_();
    if (now < s.request_after)
        return;
    if (request_(nodeid))
        ++stats_.requests_sent;
    s.backoff = s.backoff == Clock::duration{}
                    ? Clock::duration(kFirstBackoff)
                    : std::min<Clock::duration>(2 * s.backoff, kMaxBackoff);
    s.request_after = now + s.backoff;
}

void SyncReplica::gap(std::uint32_t nodeid, Stream& s, const std::string& why)
{
    if (s.state != Stream::State::gap) {
        ++stats_.gaps;
        DLBA_LOG(LogLevel::Warning,
                 "bucket sync: node %u: %s: its changes wait for its next snapshot", nodeid,
                 why.c_str());
    }
    s.state = Stream::State::gap;
    request(nodeid, s);
}

void SyncReplica::family_changed(bool present)
{
    backend_.reset();
    logged_.clear();
    module_absent_ = !present;
    for (auto& [nodeid, s] : streams_) {
        if (s.state == Stream::State::none)
            continue;
        if (!present) {
            s.state = Stream::State::gap;
            continue;
        }
        // The fresh module has nothing of the holder's tables: ask at once.
        s.request_after = {};
        s.backoff = {};
        // A gap of its own (what was applied is gone), counted even after one before.
        s.state = Stream::State::following;
        gap(nodeid, s, "dlba.ko was loaded again");
    }
}

void SyncReplica::apply(std::uint32_t nodeid, const SyncMessage& message)
{
    auto& s = streams_[nodeid];
    bool source = std::any_of(message.records.begin(), message.records.end(), [&](const auto& r) {
        auto from = source_(r.key);
        return from && *from == nodeid;
    });
    if (message.starts_snapshot()) {
        s.state = Stream::State::following;
        s.base = message.base;
        s.next = message.sequence + 1;
    } else if (s.state == Stream::State::following && message.base == s.base &&
               message.sequence == s.next) {
        ++s.next;
    } else {
        if (!source) {
            // Nothing of it applies here: the stream is just no longer known.
            stats_.ignored += message.records.size();
            if (s.state == Stream::State::following)
                s.state = Stream::State::none;
            return;
        }
        std::string why;
        if (s.state == Stream::State::none)
            why = "message " + std::to_string(message.sequence) + " before any snapshot";
        else if (s.state == Stream::State::following)
            why = "message " + std::to_string(message.sequence) + " (base " +
                  std::to_string(message.base) + ") where " + std::to_string(s.next) + " (base " +
                  std::to_string(s.base) + ") was due";
        gap(nodeid, s, why);
        return;
    }
    if (!apply_records(nodeid, message) && source) {
        gap(nodeid, s, "not applied to dlba.ko here");
        return;
    }
    if (message.kind == SyncKind::delta) {
        s.backoff = {};
        s.request_after = {};
    }
}

bool SyncReplica::apply_records(std::uint32_t nodeid, const SyncMessage& message)
{
    failed_ = false;
    bool snapshot = message.kind == SyncKind::snapshot;
    bool applied = false;
    std::map<ctl::ServiceKey, std::optional<Local>> locals;
    for (const auto& r : message.records) {
        auto from = source_(r.key);
        if (!from || *from != nodeid) {
            ++stats_.ignored;
            continue;
        }
        auto name = ctl::format_service(r.key);
        auto it = locals.find(r.key);
        if (it == locals.end())
            it = locals.emplace(r.key, local(r.key, name)).first;
        if (!it->second)
            continue;
        const auto& l = *it->second;
        if (l.count != r.count) {
            refuse(name, "count",
                   "the holder's table has " + std::to_string(r.count) + " buckets, this one " +
                       std::to_string(l.count) + ": not synced");
            continue;
        }
        // Runs of ids known here (0 is "no server"); the buckets of unknown servers keep what
        // they have.
        bool ok = true, unknown = false;
        std::uint32_t end = r.start + static_cast<std::uint32_t>(r.ids.size());
        std::uint32_t i = r.start;
        while (i < end) {
            auto known = [&](std::uint32_t b) {
                auto id = r.ids[b - r.start];
                return id == 0 || l.servers.count(id) != 0;
            };
            if (!known(i)) {
                unknown = true;
                ++i;
                continue;
            }
            std::uint32_t j = i;
            while (j < end && known(j))
                ++j;
            ok = apply_range(r, name, snapshot, i, j) && ok;
            if (!backend_)
                break;
            i = j;
        }
        if (unknown)
            refuse(name, "server", "server ids unknown here: those buckets are not synced");
        if (ok && !unknown) {
            for (auto c = logged_.lower_bound({name, ""}); c != logged_.end() && c->first == name;)
                c = logged_.erase(c);
        }
        if (ok) {
            ++stats_.records_applied;
            stats_.versions[name] = r.version;
            applied = true;
        }
        if (!backend_)
            break;
    }
    if (applied || (snapshot && message.records.empty())) {
        ++stats_.messages_applied;
        if (snapshot)
            ++stats_.snapshots_applied;
    }
    return !failed_;
}

} // namespace dlba::arrayd
