#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <dlba/event/timer.h>

#include "dlba/arrayd/sweep/config.h"
#include "dlba/arrayd/sweep/figures.h"
#include "dlba/arrayd/sweep/server_marker.h"

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

class Probe;
class TlsContexts;
struct ProbeOutcome;

// What the sweeper makes of a member: Unknown until `rise` good or `fall` failed sweeps in a row
// have been seen; Down is what dlba.ko is told as "failed".
enum class MemberState { Unknown, Up, Down };
const char* member_state_name(MemberState state) noexcept; // "unknown" | "up" | "failed"

// One row of the server status table (WO 01/69890 Fig. 5) as the sweeps keep it.
struct MemberRecord {
    using WallClock = std::chrono::system_clock;

    Member member;
    MemberState state = MemberState::Unknown;
    std::optional<bool> last_good;        // the last sweep's result, none before the first
    unsigned good_in_row = 0;             // consecutive good sweeps
    unsigned bad_in_row = 0;              // consecutive failed sweeps
    std::uint64_t checks_good = 0;        // sweeps that found it good
    std::uint64_t checks_bad = 0;         // ... failed (after every retry)
    std::optional<StatusFigures> figures; // status members: the last answer's figures
    std::optional<WallClock::time_point> figures_at;
    std::optional<std::chrono::microseconds> latency; // the last good answer's, connect to end
    std::string last_error;                           // why the last failed sweep failed
    std::optional<WallClock::time_point> last_error_at;
    std::optional<WallClock::time_point> last_change; // when `state` last changed
    std::optional<WallClock::time_point> last_check;
    // dlba.ko: the mark last set successfully (none: never set), and a change not yet applied
    // (marking failed: retried after the member's next sweep).
    std::optional<bool> marked_failed;
    bool mark_pending = false;
    std::string mark_error;
    std::uint64_t mark_errors = 0;
};

// The status sweeps of the active scheduler (WO 01/69890 "Internal Operation": the scheduler
// sweeps the DLBA servers one at a time; each answers with its average response time, hits and
// open connections and the connection is closed; one that does not answer is marked failed, its
// buckets reset).  On the daemon's EventLoop, never blocking it: one member at a time, in order,
// one connection at a time; each attempt bounded by `timeout`, `retries` further attempts before
// the member's sweep counts as failed; `interval` after the last member, the next sweep.  After
// `fall` failed sweeps in a row the member is marked failed in dlba.ko, after `rise` good ones the
// mark is cleared (also once at start, Unknown -> Up, so the kernel's mark matches).
//
// Not thread-safe: every call on the loop's thread.
class Sweeper {
public:
    using WallClock = std::chrono::system_clock;
    using Clock = std::chrono::steady_clock;
    // The largest answer read from a member (status document, HTTP status line search).
    static constexpr std::size_t kMaxAnswer = 1024 * 1024;

    Sweeper(EventLoop& loop, SweepConfig config, std::vector<Member> members, ServerMarker& marker);
    ~Sweeper();
    Sweeper(const Sweeper&) = delete;
    Sweeper& operator=(const Sweeper&) = delete;

    // Starts sweeping at once.  stop() closes a check in flight and cancels the next sweep; the
    // records stay.
    void start();
    void stop();
    [[nodiscard]] bool running() const noexcept { return running_; }

    [[nodiscard]] const SweepConfig& config() const noexcept { return config_; }
    [[nodiscard]] const std::vector<MemberRecord>& members() const noexcept { return records_; }
    [[nodiscard]] std::uint64_t sweeps() const noexcept { return sweeps_; }
    // When the last full sweep ended (none yet: nullopt).
    [[nodiscard]] std::optional<WallClock::time_point> last_sweep_end() const noexcept
    {
        return last_end_wall_;
    }
    // How stale the table is: seconds since the last full sweep ended (before the first one
    // ended: since start()).  Grows while a sweep is held up by members that do not answer.
    [[nodiscard]] double sweep_age_seconds() const;

    // The server status table as JSON (Documentation/architecture.md, "Status sweeps").
    [[nodiscard]] nlohmann::json status() const;
    // The same as Prometheus text format 0.0.4 lines, HELP and TYPE included.
    [[nodiscard]] std::string metrics() const;

    // Test seams: called at the end of every full sweep; the number of members' sockets open
    // at once, at most (1 by design).
    void on_sweep_end_for_test(std::function<void()> fn) { on_sweep_end_ = std::move(fn); }
    [[nodiscard]] unsigned max_open_for_test() const noexcept { return max_open_; }

private:
    void begin_sweep();
    void start_attempt();
    void on_probe_done(ProbeOutcome outcome);
    void record(MemberRecord& rec, const ProbeOutcome& outcome);
    void apply_mark(MemberRecord& rec);
    void end_sweep();
    void soon(void (Sweeper::*step)());

    EventLoop& loop_;
    SweepConfig config_;
    std::vector<MemberRecord> records_;
    ServerMarker& marker_;
    std::unique_ptr<TlsContexts> tls_;
    std::unique_ptr<Probe> probe_;
    Timer next_sweep_;
    bool running_ = false;
    std::size_t index_ = 0;   // member being checked
    unsigned attempt_ = 0;    // its attempt, 0..retries
    std::uint64_t epoch_ = 0; // bumped by stop(): steps queued before it are dropped
    std::uint64_t sweeps_ = 0;
    Clock::time_point started_{};
    Clock::time_point sweep_began_{};
    std::optional<Clock::time_point> last_end_;
    std::optional<WallClock::time_point> last_end_wall_;
    std::chrono::microseconds last_duration_{0};
    unsigned open_ = 0;
    unsigned max_open_ = 0;
    std::function<void()> on_sweep_end_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

} // namespace dlba::arrayd
