#include "dlba/arrayd/sweep/sweeper.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <dlba/event/event_loop.h>
#include <dlba/monitor/prometheus.h>
#include <dlba/process/logger.h>

#include "probe.h"

namespace dlba::arrayd {

namespace {

using nlohmann::json;

double unix_seconds(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

json time_or_null(const std::optional<std::chrono::system_clock::time_point>& t)
{
    return t ? json(unix_seconds(*t)) : json(nullptr);
}

std::string number_text(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

} // namespace

const char* check_kind_name(CheckKind kind) noexcept
{
    switch (kind) {
    case CheckKind::Status:
        return "status";
    case CheckKind::Tcp:
        return "tcp";
    case CheckKind::Http:
        return "http";
    case CheckKind::Tls:
        return "tls";
    }
    return "?";
}

const char* member_state_name(MemberState state) noexcept
{
    switch (state) {
    case MemberState::Unknown:
        return "unknown";
    case MemberState::Up:
        return "up";
    case MemberState::Down:
        return "failed";
    }
    return "?";
}

Sweeper::Sweeper(EventLoop& loop, SweepConfig config, std::vector<Member> members,
                 ServerMarker& marker)
    : loop_(loop),
      config_(config),
      marker_(marker),
      tls_(std::make_unique<TlsContexts>()),
      next_sweep_([this] { begin_sweep(); })
{
    records_.reserve(members.size());
    for (auto& m : members) {
        MemberRecord rec;
        rec.member = std::move(m);
        records_.push_back(std::move(rec));
    }
}

Sweeper::~Sweeper()
{
    stop();
}

void Sweeper::start()
{
    if (running_)
        return;
    running_ = true;
    started_ = Clock::now();
    begin_sweep();
}

void Sweeper::stop()
{
    running_ = false;
    ++epoch_;
    next_sweep_.cancel();
    if (probe_) {
        // Not destroyed here: stop() may be called while this batch of events still names it.
        probe_->abort();
        loop_.retire(std::move(probe_));
        open_ = 0;
    }
}

void Sweeper::soon(void (Sweeper::*step)())
{
    // The next step runs from the loop, not from inside the probe that just ended (a probe that
    // fails at once must not recurse through every member).
    std::weak_ptr<int> alive = alive_;
    loop_.later([this, alive, epoch = epoch_, step] {
        if (alive.expired() || !running_ || epoch != epoch_)
            return;
        (this->*step)();
    });
}

void Sweeper::begin_sweep()
{
    if (!running_)
        return;
    index_ = 0;
    attempt_ = 0;
    sweep_began_ = Clock::now();
    if (records_.empty()) {
        end_sweep();
        return;
    }
    start_attempt();
}

void Sweeper::start_attempt()
{
    if (!running_ || index_ >= records_.size())
        return;
    probe_ = std::make_unique<Probe>(loop_, records_[index_].member, config_.timeout, *tls_,
                                     [this](ProbeOutcome o) { on_probe_done(std::move(o)); });
    ++open_;
    max_open_ = std::max(max_open_, open_);
    probe_->start();
}

void Sweeper::on_probe_done(ProbeOutcome outcome)
{
    --open_;
    // The probe may be on the stack (its event handler or timer): destroyed after this batch.
    loop_.retire(std::move(probe_));
    MemberRecord& rec = records_[index_];
    if (!outcome.good && attempt_ < config_.retries) {
        ++attempt_;
        DLBA_LOG(LogLevel::Debug, "sweep: %s server %" PRIu32 ": attempt %u failed: %s",
                 rec.member.service.c_str(), rec.member.server, attempt_, outcome.error.c_str());
        soon(&Sweeper::start_attempt);
        return;
    }
    record(rec, outcome);
    apply_mark(rec);
    attempt_ = 0;
    ++index_;
    if (index_ < records_.size())
        soon(&Sweeper::start_attempt);
    else
        end_sweep();
}

void Sweeper::record(MemberRecord& rec, const ProbeOutcome& outcome)
{
    auto now = WallClock::now();
    rec.last_check = now;
    rec.last_good = outcome.good;
    const unsigned fall = std::max(config_.fall, 1U);
    const unsigned rise = std::max(config_.rise, 1U);
    MemberState next = rec.state;
    if (outcome.good) {
        ++rec.checks_good;
        ++rec.good_in_row;
        rec.bad_in_row = 0;
        rec.latency = outcome.latency;
        if (outcome.figures) {
            rec.figures = outcome.figures;
            rec.figures_at = now;
        }
        if (rec.good_in_row >= rise)
            next = MemberState::Up;
    } else {
        ++rec.checks_bad;
        ++rec.bad_in_row;
        rec.good_in_row = 0;
        rec.last_error = outcome.error;
        rec.last_error_at = now;
        if (rec.bad_in_row >= fall)
            next = MemberState::Down;
    }
    if (next == rec.state)
        return;
    const char* member = rec.member.service.c_str();
    if (next == MemberState::Down)
        DLBA_LOG(LogLevel::Warning,
                 "sweep: %s server %" PRIu32 " (%s %s): failed %u sweeps in a row (%s)", member,
                 rec.member.server, check_kind_name(rec.member.kind),
                 rec.member.address.to_string().c_str(), rec.bad_in_row, outcome.error.c_str());
    else
        DLBA_LOG(LogLevel::Notice, "sweep: %s server %" PRIu32 " (%s %s): up (%u good sweeps)",
                 member, rec.member.server, check_kind_name(rec.member.kind),
                 rec.member.address.to_string().c_str(), rec.good_in_row);
    rec.state = next;
    rec.last_change = now;
    rec.mark_pending = true;
}

void Sweeper::apply_mark(MemberRecord& rec)
{
    if (!rec.mark_pending || rec.state == MemberState::Unknown)
        return;
    bool failed = rec.state == MemberState::Down;
    try {
        marker_.set_failed(rec.member, failed);
        rec.marked_failed = failed;
        rec.mark_pending = false;
        rec.mark_error.clear();
    } catch (const std::exception& e) {
        ++rec.mark_errors;
        rec.mark_error = e.what();
        DLBA_LOG(LogLevel::Warning,
                 "sweep: %s server %" PRIu32 ": cannot %s it in dlba.ko (again after its next "
                 "sweep): %s",
                 rec.member.service.c_str(), rec.member.server, failed ? "fail" : "unfail",
                 e.what());
    }
}

void Sweeper::end_sweep()
{
    auto now = Clock::now();
    last_end_ = now;
    last_end_wall_ = WallClock::now();
    last_duration_ = std::chrono::duration_cast<std::chrono::microseconds>(now - sweep_began_);
    ++sweeps_;
    if (running_)
        loop_.arm(next_sweep_, config_.interval);
    if (on_sweep_end_)
        on_sweep_end_();
}

double Sweeper::sweep_age_seconds() const
{
    if (!last_end_ && started_ == Clock::time_point{})
        return 0; // never started
    auto since = last_end_ ? *last_end_ : started_;
    return std::chrono::duration<double>(Clock::now() - since).count();
}

json Sweeper::status() const
{
    json members = json::array();
    for (const auto& r : records_) {
        const Member& m = r.member;
        json check = {{"type", check_kind_name(m.kind)}, {"address", m.address.to_string()}};
        if (m.kind == CheckKind::Http) {
            check["path"] = m.http_path;
            check["expect"] = m.expect_status;
        }
        if (m.kind == CheckKind::Tls) {
            check["sni"] = m.tls_sni;
            check["verify"] = m.tls_verify;
        }
        json row = {
            {"service", m.service},
            {"server", m.server},
            {"check", std::move(check)},
            {"state", member_state_name(r.state)},
            {"last_result", r.last_good ? json(*r.last_good ? "good" : "failed") : json(nullptr)},
            {"good_in_row", r.good_in_row},
            {"bad_in_row", r.bad_in_row},
            {"checks_good", r.checks_good},
            {"checks_failed", r.checks_bad},
            {"response_ms",
             r.latency ? json(std::chrono::duration<double, std::milli>(*r.latency).count())
                       : json(nullptr)},
            {"last_error", r.last_error.empty() ? json(nullptr) : json(r.last_error)},
            {"last_error_at", time_or_null(r.last_error_at)},
            {"last_change", time_or_null(r.last_change)},
            {"last_check", time_or_null(r.last_check)},
            {"marked_failed", r.marked_failed ? json(*r.marked_failed) : json(nullptr)},
            {"mark_pending", r.mark_pending},
            {"mark_error", r.mark_error.empty() ? json(nullptr) : json(r.mark_error)},
            {"mark_errors", r.mark_errors},
            {"figures", r.figures ? figures_json(*r.figures) : json(nullptr)},
            {"figures_at", time_or_null(r.figures_at)},
        };
        members.push_back(std::move(row));
    }
    return {
        {"sweep",
         {{"interval_ms", config_.interval.count()},
          {"timeout_ms", config_.timeout.count()},
          {"retries", config_.retries},
          {"fall", config_.fall},
          {"rise", config_.rise}}},
        {"running", running_},
        {"sweeps", sweeps_},
        {"last_sweep_end", time_or_null(last_end_wall_)},
        {"last_sweep_duration_ms",
         last_end_ ? json(std::chrono::duration<double, std::milli>(last_duration_).count())
                   : json(nullptr)},
        {"sweep_age_seconds", sweep_age_seconds()},
        {"members", std::move(members)},
    };
}

std::string Sweeper::metrics() const
{
    std::string out;
    auto help = [&out](const char* name, const char* type, const char* text) {
        out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
    };
    auto labels = [](const MemberRecord& r) {
        return "{service=\"" + prometheus_label(r.member.service) + "\",server=\"" +
               std::to_string(r.member.server) + "\"}";
    };
    auto labels_with = [](const MemberRecord& r, const char* key, const char* value) {
        return "{service=\"" + prometheus_label(r.member.service) + "\",server=\"" +
               std::to_string(r.member.server) + "\"," + key + "=\"" + value + "\"}";
    };

    help("dlba_array_sweeps_total", "counter", "Full status sweeps completed.");
    out += "dlba_array_sweeps_total " + std::to_string(sweeps_) + "\n";
    help("dlba_array_sweep_age_seconds", "gauge",
         "Seconds since the last full sweep ended (since start before the first).");
    out += "dlba_array_sweep_age_seconds " + number_text(sweep_age_seconds()) + "\n";
    help("dlba_array_sweep_duration_seconds", "gauge", "How long the last full sweep took.");
    out += "dlba_array_sweep_duration_seconds " +
           number_text(std::chrono::duration<double>(last_duration_).count()) + "\n";

    help("dlba_array_member_up", "gauge",
         "1 when the member's last rise sweeps were good, 0 when failed or not known yet.");
    for (const auto& r : records_)
        out += "dlba_array_member_up" + labels(r) + " " + (r.state == MemberState::Up ? "1" : "0") +
               "\n";
    help("dlba_array_member_failed", "gauge",
         "1 when the member is failed (fall sweeps failed in a row): marked failed in dlba.ko.");
    for (const auto& r : records_)
        out += "dlba_array_member_failed" + labels(r) + " " +
               (r.state == MemberState::Down ? "1" : "0") + "\n";
    help("dlba_array_member_mark_pending", "gauge",
         "1 while a change of the member's failed mark could not be applied to dlba.ko.");
    for (const auto& r : records_)
        out += "dlba_array_member_mark_pending" + labels(r) + " " + (r.mark_pending ? "1" : "0") +
               "\n";
    help("dlba_array_member_checks_total", "counter", "Sweeps of the member by result.");
    for (const auto& r : records_) {
        out += "dlba_array_member_checks_total" + labels_with(r, "result", "good") + " " +
               std::to_string(r.checks_good) + "\n";
        out += "dlba_array_member_checks_total" + labels_with(r, "result", "failed") + " " +
               std::to_string(r.checks_bad) + "\n";
    }
    help("dlba_array_member_mark_errors_total", "counter",
         "Failed attempts to set the member's failed mark in dlba.ko.");
    for (const auto& r : records_)
        out += "dlba_array_member_mark_errors_total" + labels(r) + " " +
               std::to_string(r.mark_errors) + "\n";
    help("dlba_array_member_response_seconds", "gauge",
         "The member's last good answer: connect to the end of the answer.");
    for (const auto& r : records_)
        if (r.latency)
            out += "dlba_array_member_response_seconds" + labels(r) + " " +
                   number_text(std::chrono::duration<double>(*r.latency).count()) + "\n";
    // Status members: the DLBA server's own figures (WO 01/69890 Fig. 5).
    help("dlba_array_member_avg_response_time_seconds", "gauge",
         "The DLBA server's average response time (dlbad avg_resp_time_ms over its back-ends).");
    for (const auto& r : records_)
        if (r.figures)
            out += "dlba_array_member_avg_response_time_seconds" + labels(r) + " " +
                   number_text(r.figures->avg_resp_time_ms / 1000) + "\n";
    help("dlba_array_member_hits_total", "counter",
         "Requests the DLBA server sent to its back-ends (dlbad hits).");
    for (const auto& r : records_)
        if (r.figures)
            out += "dlba_array_member_hits_total" + labels(r) + " " +
                   std::to_string(r.figures->hits) + "\n";
    help("dlba_array_member_open_connections", "gauge",
         "Client connections open on the DLBA server (dlbad connections).");
    for (const auto& r : records_)
        if (r.figures)
            out += "dlba_array_member_open_connections" + labels(r) + " " +
                   std::to_string(r.figures->open_conns) + "\n";
    return out;
}

} // namespace dlba::arrayd
