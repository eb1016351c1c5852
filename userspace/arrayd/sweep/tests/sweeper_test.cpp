// The sweeper against real peers on loopback: this build's dlbad serving its TCP status
// endpoint, nginx, openssl s_server, and in-process listeners that answer garbage, too much, too
// slowly, or count connections.  dlba.ko is not needed: a fake ServerMarker records the marks
// (the netlink one is exercised in the VM).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>

#include "dlba/arrayd/sweep/server_marker.h"
#include "dlba/arrayd/sweep/sweeper.h"
#include "peers.h"

namespace dlba::arrayd {
namespace {

using namespace std::chrono_literals;
using test::Child;
using test::ConnCounter;
using test::drive;
using test::FakePeer;
using test::Step;
using test::TempDir;
using Clock = std::chrono::steady_clock;

constexpr const char* kService = "198.18.100.10:80/tcp";

struct Mark {
    std::uint32_t server;
    bool failed;
};

// Records the marks; the first `fail_first` calls throw, as netlink does without the module.
class RecordingMarker : public ServerMarker {
public:
    void set_failed(const Member& member, bool failed) override
    {
        ++calls;
        if (fail_first > 0) {
            --fail_first;
            throw std::runtime_error("Generic netlink family not found (is dlba.ko loaded?)");
        }
        marks.push_back({member.server, failed});
    }
    [[nodiscard]] int count(std::uint32_t server, bool failed) const
    {
        int n = 0;
        for (const auto& m : marks)
            n += m.server == server && m.failed == failed ? 1 : 0;
        return n;
    }
    std::vector<Mark> marks;
    int calls = 0;
    int fail_first = 0;
};

Member make(std::uint32_t server, CheckKind kind, const std::string& address)
{
    Member m;
    m.service = kService;
    m.server = server;
    m.kind = kind;
    auto a = SocketAddress::parse(address);
    if (!a)
        throw std::runtime_error("bad address " + address);
    m.address = *a;
    return m;
}

std::string addr(const std::string& ip, std::uint16_t port)
{
    return ip + ":" + std::to_string(port);
}

double seconds_since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// The real peers, each on its own 127.0.0.x and ephemeral port.
class Peers {
public:
    std::string dir() const { return tmp_.path(); }

    // nginx: 200 "ok" on /health, 503 on /down.
    bool start_nginx(const std::string& ip, std::uint16_t port)
    {
        std::string d = tmp_.path();
        std::string conf = "worker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d +
                           "/nginx.err warn;\nevents { worker_connections 64; }\nhttp {\n"
                           "    access_log off;\n";
        for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
            conf += std::string("    ") + t + "_temp_path " + d + "/" + t + ";\n";
        conf += "    server {\n        listen " + addr(ip, port) +
                ";\n        location = /health { return 200 \"ok\\n\"; }\n"
                "        location = /down { return 503; }\n    }\n}\n";
        tmp_.write("nginx.conf", conf);
        nginx_ = Child({"nginx", "-e", d + "/nginx.err", "-p", d, "-c", d + "/nginx.conf", "-g",
                        "daemon off;"},
                       d + "/nginx.log");
        return test::wait_port(ip, port, 10s);
    }

    // dlbad with its TCP status endpoint on ip:mon_port, one service on ip:listen_port to a
    // back-end at backend.
    bool start_dlbad(const std::string& ip, std::uint16_t mon_port, std::uint16_t listen_port,
                     const std::string& backend)
    {
        std::string d = tmp_.path();
        tmp_.write("dlbad.conf",
                   "workers: 1\nmonitor:\n  unix: " + d +
                       "/status.sock\n  tcp: " + addr(ip, mon_port) +
                       "\nbackends:\n  web:\n    servers:\n      - {key: 1, addr: " + backend +
                       "}\nservices:\n  - {name: web, listen: \"" + addr(ip, listen_port) +
                       "\", backend: web, policy: leastconn}\n");
        dlbad_ = Child({dlbad_path(), "-f", "-c", d + "/dlbad.conf"}, d + "/dlbad.log");
        return test::wait_port(ip, mon_port, 10s);
    }
    void stop_dlbad() { dlbad_.stop(); }

    bool start_tls(const std::string& ip, std::uint16_t port)
    {
        std::string d = tmp_.path();
        if (test::read_text(d + "/cert.pem").empty()) {
            std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                              "-nodes -keyout " +
                              d + "/key.pem -out " + d +
                              "/cert.pem -days 2 -subj /CN=arrayd-sweep-test >/dev/null 2>&1";
            if (std::system(cmd.c_str()) != 0)
                return false;
        }
        tls_ = Child({"openssl", "s_server", "-accept", addr(ip, port), "-cert", d + "/cert.pem",
                      "-key", d + "/key.pem", "-www", "-quiet"},
                     d + "/s_server.log");
        return test::wait_port(ip, port, 10s);
    }
    void stop_tls() { tls_.stop(); }

    std::string logs() const
    {
        return "--- dlbad log\n" + test::read_text(tmp_.path() + "/dlbad.log") + "--- nginx\n" +
               test::read_text(tmp_.path() + "/nginx.err") + "--- s_server\n" +
               test::read_text(tmp_.path() + "/s_server.log");
    }

    static std::string dlbad_path()
    {
        const char* env = std::getenv("DLBAD");
        return env && *env ? env : DLBAD_PATH;
    }

private:
    TempDir tmp_;
    Child nginx_; // stopped before tmp_ goes
    Child dlbad_;
    Child tls_;
};

#define NEED_TOOL(name)                                                                            \
    do {                                                                                           \
        if (!test::have_tool(name))                                                                \
            GTEST_SKIP() << "needs " name " (not installed)";                                      \
    } while (0)

const MemberRecord& rec(const Sweeper& s, std::size_t i)
{
    return s.members().at(i);
}

TEST(Sweeper, AllGoodAgainstDlbadNginxAndOpensslAndExported)
{
    NEED_TOOL("nginx");
    NEED_TOOL("openssl");
    Peers peers;
    const std::string ip = "127.0.0.61";
    auto web = test::free_port(ip);
    ASSERT_TRUE(peers.start_nginx(ip, web)) << peers.logs();
    auto mon = test::free_port(ip);
    auto vip = test::free_port(ip);
    ASSERT_TRUE(peers.start_dlbad(ip, mon, vip, addr(ip, web))) << peers.logs();
    auto tls = test::free_port(ip);
    ASSERT_TRUE(peers.start_tls(ip, tls)) << peers.logs();

    std::vector<Member> members;
    members.push_back(make(1, CheckKind::Status, addr(ip, mon)));
    Member http = make(2, CheckKind::Http, addr(ip, web));
    http.http_path = "/health";
    members.push_back(http);
    members.push_back(make(3, CheckKind::Tcp, addr(ip, web)));
    Member t = make(4, CheckKind::Tls, addr(ip, tls));
    t.tls_sni = "www.example.test";
    members.push_back(t);

    SweepConfig cfg;
    cfg.interval = 50ms;
    cfg.timeout = 2000ms;
    cfg.retries = 1;
    cfg.fall = 1;
    cfg.rise = 2;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, members, marker);
    sweeper.start();
    auto failed = drive(loop, {{"two sweeps", [&] { return sweeper.sweeps() >= 2; }, {}}}, 20s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2) << peers.logs();

    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& r = rec(sweeper, i);
        EXPECT_EQ(r.state, MemberState::Up) << i << ": " << r.last_error;
        EXPECT_EQ(r.good_in_row, 2U);
        EXPECT_EQ(r.bad_in_row, 0U);
        ASSERT_TRUE(r.latency);
        EXPECT_GT(r.latency->count(), 0);
        EXPECT_EQ(r.marked_failed, false);
        // Unknown -> Up clears the mark once, so dlba.ko matches.
        EXPECT_EQ(marker.count(members[i].server, false), 1);
        EXPECT_EQ(marker.count(members[i].server, true), 0);
    }
    // dlbad's figures: the DLBA server's row and the service and back-end behind it.
    const auto& st = rec(sweeper, 0);
    ASSERT_TRUE(st.figures);
    EXPECT_EQ(st.figures->open_conns, 0U);
    ASSERT_EQ(st.figures->services.size(), 1U);
    EXPECT_EQ(st.figures->services[0].name, "web");
    EXPECT_EQ(st.figures->services[0].service, addr(ip, vip) + "/tcp");
    ASSERT_EQ(st.figures->backends.size(), 1U);
    EXPECT_EQ(st.figures->backends[0].addr, ip);
    EXPECT_EQ(st.figures->backends[0].port, web);
    EXPECT_FALSE(rec(sweeper, 1).figures); // only status members answer with figures

    nlohmann::json j = sweeper.status();
    EXPECT_EQ(j["sweeps"], 2);
    EXPECT_TRUE(j["last_sweep_end"].is_number());
    EXPECT_GE(j["sweep_age_seconds"].get<double>(), 0.0);
    EXPECT_LT(j["sweep_age_seconds"].get<double>(), 5.0);
    ASSERT_EQ(j["members"].size(), 4U);
    EXPECT_EQ(j["members"][0]["state"], "up");
    EXPECT_EQ(j["members"][0]["check"]["type"], "status");
    EXPECT_EQ(j["members"][0]["figures"]["services"][0]["name"], "web");
    EXPECT_TRUE(j["members"][0]["figures"]["open_conns"].is_number());
    EXPECT_TRUE(j["members"][1]["figures"].is_null());
    EXPECT_TRUE(j["members"][2]["last_change"].is_number());
    EXPECT_TRUE(j["members"][3]["last_error"].is_null());

    std::string m = sweeper.metrics();
    for (const char* line :
         {"# TYPE dlba_array_member_up gauge\n",
          "dlba_array_member_up{service=\"198.18.100.10:80/tcp\",server=\"1\"} 1\n",
          "dlba_array_member_up{service=\"198.18.100.10:80/tcp\",server=\"4\"} 1\n",
          "# HELP dlba_array_sweep_age_seconds ", "# TYPE dlba_array_sweep_age_seconds gauge\n",
          "dlba_array_sweeps_total 2\n", "# TYPE dlba_array_member_response_seconds gauge\n",
          "dlba_array_member_response_seconds{service=\"198.18.100.10:80/tcp\",server=\"2\"} ",
          "dlba_array_member_open_connections{service=\"198.18.100.10:80/tcp\",server=\"1\"} 0\n",
          "dlba_array_member_checks_total{service=\"198.18.100.10:80/tcp\",server=\"3\","
          "result=\"good\"} 2\n"})
        EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
    // Only status members have the DLBA server's own figures.
    EXPECT_EQ(m.find("dlba_array_member_hits_total{service=\"198.18.100.10:80/tcp\",server=\"2\"}"),
              std::string::npos);
}

TEST(Sweeper, KilledDlbadMarkedFailedAfterFallThenUnmarkedAfterRise)
{
    NEED_TOOL("nginx");
    Peers peers;
    const std::string ip = "127.0.0.62";
    auto web = test::free_port(ip);
    ASSERT_TRUE(peers.start_nginx(ip, web)) << peers.logs();
    auto mon = test::free_port(ip);
    auto vip = test::free_port(ip);
    ASSERT_TRUE(peers.start_dlbad(ip, mon, vip, addr(ip, web))) << peers.logs();

    std::vector<Member> members{make(1, CheckKind::Status, addr(ip, mon)),
                                make(2, CheckKind::Tcp, addr(ip, web))};
    SweepConfig cfg;
    cfg.interval = 100ms;
    cfg.timeout = 300ms;
    cfg.retries = 1;
    cfg.fall = 2;
    cfg.rise = 2;
    // One sweep at most: every member's attempts time out, then the interval.
    const double sweep_bound =
        static_cast<double>(members.size() * (cfg.retries + 1)) * 0.300 + 0.100;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, members, marker);
    sweeper.start();

    Clock::time_point killed;
    std::uint64_t sweeps_at_kill = 0;
    double to_mark = 0;
    std::uint64_t sweeps_to_mark = 0;
    auto failed =
        drive(loop,
              {{"dlbad up", [&] { return rec(sweeper, 0).state == MemberState::Up; },
                [&] {
                    peers.stop_dlbad();
                    killed = Clock::now();
                    sweeps_at_kill = sweeper.sweeps();
                }},
               {"dlbad marked failed", [&] { return marker.count(1, true) == 1; },
                [&] {
                    to_mark = seconds_since(killed);
                    sweeps_to_mark = sweeper.sweeps() - sweeps_at_kill;
                    EXPECT_EQ(rec(sweeper, 0).state, MemberState::Down);
                    EXPECT_EQ(rec(sweeper, 0).bad_in_row, cfg.fall);
                    EXPECT_NE(rec(sweeper, 0).last_error.find("connect"), std::string::npos)
                        << rec(sweeper, 0).last_error;
                    ASSERT_TRUE(peers.start_dlbad(ip, mon, vip, addr(ip, web))) << peers.logs();
                }},
               {"dlbad unmarked", [&] { return marker.count(1, false) == 2; },
                [&] {
                    EXPECT_EQ(rec(sweeper, 0).state, MemberState::Up);
                    EXPECT_EQ(rec(sweeper, 0).good_in_row, cfg.rise);
                }}},
              30s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2) << peers.logs();
    // The kill may land inside a sweep that had already checked dlbad: fall sweeps, plus one.
    EXPECT_LE(sweeps_to_mark, cfg.fall + 1);
    EXPECT_LE(to_mark, (cfg.fall + 1) * sweep_bound + 0.5);
    EXPECT_EQ(marker.count(2, true), 0) << "nginx never failed";
    EXPECT_EQ(rec(sweeper, 1).state, MemberState::Up);
    EXPECT_GE(rec(sweeper, 0).checks_bad, cfg.fall);
}

TEST(Sweeper, BadAnswersFailWithoutStallingTheOthersOrTheLoop)
{
    const std::string ip = "127.0.0.63";
    FakePeer garbage(ip, FakePeer::Behaviour::Garbage);
    FakePeer oversize(ip, FakePeer::Behaviour::Oversize);
    FakePeer slow(ip, FakePeer::Behaviour::Slow);
    FakePeer http(ip, FakePeer::Behaviour::Http200);
    FakePeer hold(ip, FakePeer::Behaviour::Hold);
    auto closed = test::free_port(ip);

    std::vector<Member> members{make(1, CheckKind::Status, garbage.address()),
                                make(2, CheckKind::Status, oversize.address()),
                                make(3, CheckKind::Status, slow.address()),
                                make(4, CheckKind::Http, garbage.address()),
                                make(5, CheckKind::Http, http.address()),
                                make(6, CheckKind::Status, addr(ip, closed)),
                                make(7, CheckKind::Tls, garbage.address()),
                                make(8, CheckKind::Tcp, hold.address())};
    members[4].expect_status = 204; // answers 200
    SweepConfig cfg;
    cfg.interval = 50ms;
    cfg.timeout = 400ms;
    cfg.retries = 1;
    cfg.fall = 1;
    cfg.rise = 1;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, members, marker);

    // The loop keeps turning: a 20 ms heartbeat is never held up by a check.
    Clock::time_point last_beat = Clock::now();
    double max_gap = 0;
    Timer* beat_self = nullptr;
    Timer beat([&] {
        max_gap = std::max(max_gap, seconds_since(last_beat));
        last_beat = Clock::now();
        loop.arm(*beat_self, 20ms);
    });
    beat_self = &beat;
    loop.arm(beat, 20ms);
    sweeper.start();
    auto failed = drive(loop, {{"two sweeps", [&] { return sweeper.sweeps() >= 2; }, {}}}, 30s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2);

    auto error_of = [&](std::size_t i) { return rec(sweeper, i).last_error; };
    for (std::size_t i = 0; i < members.size(); ++i) {
        bool good = members[i].server == 8;
        EXPECT_EQ(rec(sweeper, i).state, good ? MemberState::Up : MemberState::Down)
            << members[i].server << ": " << error_of(i);
        EXPECT_EQ(marker.count(members[i].server, !good), 1) << members[i].server;
    }
    EXPECT_NE(error_of(0).find("not JSON"), std::string::npos) << error_of(0);
    EXPECT_NE(error_of(1).find("larger than 1048576"), std::string::npos) << error_of(1);
    EXPECT_NE(error_of(2).find("no answer within 400 ms"), std::string::npos) << error_of(2);
    EXPECT_NE(error_of(3).find("not an HTTP status line"), std::string::npos) << error_of(3);
    EXPECT_NE(error_of(4).find("status 200, expected 204"), std::string::npos) << error_of(4);
    EXPECT_NE(error_of(5).find("connect"), std::string::npos) << error_of(5);
    EXPECT_NE(error_of(6).find("tls"), std::string::npos) << error_of(6);
    // The slow member costs its attempts' timeouts, no more; the others are quick.
    double sweep_ms = sweeper.status()["last_sweep_duration_ms"].get<double>();
    EXPECT_LT(sweep_ms, (cfg.retries + 1) * 400.0 + 1000.0);
    EXPECT_LT(max_gap, 0.2);
}

TEST(Sweeper, OneConnectionAtATime)
{
    // One listener for every member: its accept queue is in the order the sweeper connected, so
    // a connection counted open while the next is accepted was open at the same time (the checks
    // close with RST, which loopback delivers before close() returns).
    const std::string ip = "127.0.0.64";
    ConnCounter counter;
    FakePeer peer(ip, FakePeer::Behaviour::Http200, &counter);
    std::vector<Member> members{
        make(1, CheckKind::Tcp, peer.address()), make(2, CheckKind::Http, peer.address()),
        make(3, CheckKind::Tcp, peer.address()), make(4, CheckKind::Http, peer.address())};
    SweepConfig cfg;
    cfg.interval = 10ms;
    cfg.timeout = 1000ms;
    cfg.retries = 0;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, members, marker);
    sweeper.start();
    auto failed =
        drive(loop,
              {{"five sweeps", [&] { return sweeper.sweeps() >= 5; }, [&] { sweeper.stop(); }},
               {"every connection seen", [&] { return counter.accepted >= 20; }, {}},
               {"every connection closed", [&] { return counter.open == 0; }, {}}},
              20s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2);
    EXPECT_EQ(counter.max.load(), 1);
    EXPECT_EQ(sweeper.max_open_for_test(), 1U);
    for (std::size_t i = 0; i < members.size(); ++i)
        EXPECT_EQ(rec(sweeper, i).state, MemberState::Up) << rec(sweeper, i).last_error;
}

// The counting listener itself: two sweepers at once are seen as two.
TEST(Sweeper, CountingListenerSeesConcurrentConnections)
{
    const std::string ip = "127.0.0.64";
    ConnCounter counter;
    FakePeer peer(ip, FakePeer::Behaviour::Hold, &counter);
    SweepConfig cfg;
    cfg.timeout = 300ms; // a status check of a peer that never answers: open for 300 ms
    cfg.retries = 0;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper one(loop, cfg, {make(1, CheckKind::Status, peer.address())}, marker);
    Sweeper two(loop, cfg, {make(2, CheckKind::Status, peer.address())}, marker);
    one.start();
    two.start();
    auto failed = drive(
        loop, {{"a sweep each", [&] { return one.sweeps() >= 1 && two.sweeps() >= 1; }, {}}}, 10s);
    ASSERT_EQ(failed, "");
    EXPECT_EQ(counter.max.load(), 2);
    EXPECT_EQ(one.max_open_for_test(), 1U);
}

TEST(Sweeper, SweepAgeGrowsWhileASweepIsHeldUp)
{
    const std::string ip = "127.0.0.65";
    FakePeer hold(ip, FakePeer::Behaviour::Hold);
    FakePeer slow(ip, FakePeer::Behaviour::Slow);
    std::vector<Member> members{make(1, CheckKind::Tcp, hold.address()),
                                make(2, CheckKind::Status, slow.address())};
    SweepConfig cfg;
    cfg.interval = 50ms;
    cfg.timeout = 800ms;
    cfg.retries = 1; // the slow member holds each sweep up for 1.6 s
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, members, marker);
    EXPECT_EQ(sweeper.sweep_age_seconds(), 0.0);
    sweeper.start();
    Clock::time_point started = Clock::now();
    Clock::time_point first_end;
    double age_before_first = 0;
    double age_held = 0;
    std::string metrics_held;
    auto failed =
        drive(loop,
              {{"0.5 s into the first sweep", [&] { return seconds_since(started) >= 0.5; },
                [&] {
                    EXPECT_EQ(sweeper.sweeps(), 0U);
                    EXPECT_TRUE(sweeper.status()["last_sweep_end"].is_null());
                    age_before_first = sweeper.sweep_age_seconds();
                }},
               {"first sweep", [&] { return sweeper.sweeps() >= 1; },
                [&] {
                    first_end = Clock::now();
                    EXPECT_LT(sweeper.sweep_age_seconds(), 0.1);
                }},
               {"1.2 s into the second", [&] { return seconds_since(first_end) >= 1.2; },
                [&] {
                    EXPECT_EQ(sweeper.sweeps(), 1U) << "held up by the slow member";
                    age_held = sweeper.sweep_age_seconds();
                    metrics_held = sweeper.metrics();
                    EXPECT_GE(sweeper.status()["sweep_age_seconds"].get<double>(), 1.2);
                }},
               {"second sweep", [&] { return sweeper.sweeps() >= 2; },
                [&] { EXPECT_LT(sweeper.sweep_age_seconds(), 0.1); }}},
              20s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2);
    EXPECT_GE(age_before_first, 0.45);
    EXPECT_GE(age_held, 1.2);
    auto pos = metrics_held.find("\ndlba_array_sweep_age_seconds ");
    ASSERT_NE(pos, std::string::npos) << metrics_held;
    EXPECT_GE(std::stod(metrics_held.substr(pos + 30)), 1.2) << metrics_held;
    EXPECT_EQ(rec(sweeper, 1).state, MemberState::Down);
}

TEST(Sweeper, MarkErrorsAreRetriedAfterTheNextSweep)
{
    const std::string ip = "127.0.0.66";
    auto closed = test::free_port(ip);
    std::vector<Member> members{make(7, CheckKind::Tcp, addr(ip, closed))};
    SweepConfig cfg;
    cfg.interval = 20ms;
    cfg.timeout = 200ms;
    cfg.retries = 0;
    cfg.fall = 1;
    EventLoop loop;
    RecordingMarker marker;
    marker.fail_first = 2;
    Sweeper sweeper(loop, cfg, members, marker);
    sweeper.start();
    std::uint64_t sweeps_then = 0;
    auto failed =
        drive(loop,
              {{"first mark fails", [&] { return marker.calls >= 1; },
                [&] {
                    EXPECT_TRUE(rec(sweeper, 0).mark_pending);
                    EXPECT_FALSE(rec(sweeper, 0).marked_failed);
                    EXPECT_EQ(sweeper.status()["members"][0]["mark_errors"], 1);
                    EXPECT_NE(sweeper.metrics().find("dlba_array_member_mark_pending{"
                                                     "service=\"198.18.100.10:80/tcp\","
                                                     "server=\"7\"} 1\n"),
                              std::string::npos);
                }},
               {"third one works", [&] { return marker.calls >= 3; },
                [&] { sweeps_then = sweeper.sweeps(); }},
               {"two more sweeps", [&] { return sweeper.sweeps() >= sweeps_then + 2; }, {}}},
              10s);
    ASSERT_EQ(failed, "") << sweeper.status().dump(2);
    EXPECT_EQ(marker.calls, 3) << "one call per sweep until it works, then none";
    EXPECT_EQ(marker.count(7, true), 1);
    EXPECT_FALSE(rec(sweeper, 0).mark_pending);
    EXPECT_EQ(rec(sweeper, 0).marked_failed, true);
    EXPECT_EQ(rec(sweeper, 0).mark_errors, 2U);
}

TEST(Sweeper, TlsVerifyRefusesASelfSignedCertificate)
{
    NEED_TOOL("openssl");
    Peers peers;
    const std::string ip = "127.0.0.67";
    auto tls = test::free_port(ip);
    ASSERT_TRUE(peers.start_tls(ip, tls)) << peers.logs();
    Member verified = make(1, CheckKind::Tls, addr(ip, tls));
    verified.tls_verify = true;
    verified.tls_sni = "arrayd-sweep-test";
    Member unverified = make(2, CheckKind::Tls, addr(ip, tls));
    SweepConfig cfg;
    cfg.interval = 20ms;
    cfg.timeout = 2000ms;
    cfg.retries = 0;
    cfg.rise = 1;
    EventLoop loop;
    RecordingMarker marker;
    Sweeper sweeper(loop, cfg, {verified, unverified}, marker);
    sweeper.start();
    auto failed = drive(loop, {{"a sweep", [&] { return sweeper.sweeps() >= 1; }, {}}}, 10s);
    ASSERT_EQ(failed, "") << peers.logs();
    EXPECT_EQ(rec(sweeper, 0).state, MemberState::Down);
    EXPECT_NE(rec(sweeper, 0).last_error.find("certificate"), std::string::npos)
        << rec(sweeper, 0).last_error;
    EXPECT_EQ(rec(sweeper, 1).state, MemberState::Up) << rec(sweeper, 1).last_error;
}

TEST(NetlinkServerMarker, ErrorsAreThrownNotFatal)
{
    NetlinkServerMarker marker;
    Member m = make(1, CheckKind::Tcp, "127.0.0.1:1");
    m.service = "198.51.100.254:1/tcp"; // no such service, or no dlba.ko at all
    EXPECT_THROW(marker.set_failed(m, true), std::exception);
    EXPECT_THROW(marker.set_failed(m, false), std::exception); // and again, no state left over
    m.service = "not a service";
    EXPECT_THROW(marker.set_failed(m, true), std::exception);
}

} // namespace
} // namespace dlba::arrayd
