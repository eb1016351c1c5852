// Per-request server choice: persistence, passive health, drain, url-hash, probes.
#include <gtest/gtest.h>

#include <dlbad/hash.h>

#include <dlbad/bounded_load_table.h>
#include <dlbad/siphash.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <unistd.h>

#include "config/config_loader.h"
#include "monitor/stats_registry.h"
#include "process/runtime.h"

namespace dlba::dlbad {
namespace {

using Clock = std::chrono::steady_clock;

std::string conf(const std::string& policy, bool second_disabled = false)
{
    return std::string("backends:\n  web:\n    servers:\n"
                       "      - {key: 1, addr: 10.0.0.1:80}\n") +
           (second_disabled ? "      - {key: 2, addr: 10.0.0.2:80, enabled: false}\n"
                            : "      - {key: 2, addr: 10.0.0.2:80}\n") +
           "      - {key: 3, addr: 10.0.0.3:80}\n" +
           "services:\n  - name: s\n    listen: 1.1.1.1:80\n    backend: web\n    policy: " +
           policy +
           "\n    cookie: {session: SID}\n    session_id: [\"query:sid\"]\n"
           "    health: {max_failures: 2, retry_interval: 10s}\n";
}

struct Env {
    explicit Env(const std::string& text, unsigned workers = 1)
        : runtime(ConfigLoader::load_string(text, "t.conf"), 1, workers, Secrets::random(),
                  registry)
    {}
    const VirtualService& svc() const { return *runtime.services()[0]; }
    const ServiceScheduler& sched() const { return svc().scheduler(); }
    const Backend& server(std::size_t i) const { return svc().pool().servers()[i]; }
    std::optional<ScheduleDecision> pick(const ScheduleKeys& k, std::vector<bool> tried = {})
    {
        tried.resize(3, false);
        return sched().pick(k, 0, tried, now);
    }
    StatsRegistry registry;
    Runtime runtime;
    Clock::time_point now = Clock::now();
};

TEST(ServiceScheduler, CookieKeyPinsTheServer)
{
    Env e(conf("cookie"));
    for (std::uint32_t key = 1; key <= 3; ++key) {
        auto d = e.pick({key, std::nullopt, std::nullopt});
        ASSERT_TRUE(d);
        EXPECT_EQ(e.server(d->server).key(), key);
        EXPECT_TRUE(d->persistent);
    }
    auto d = e.pick({99, std::nullopt, std::nullopt}); // unknown key: a new session
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->persistent);
}

TEST(ServiceScheduler, FailedServerIsAvoidedThenProbedOnce)
{
    Env e(conf("cookie"));
    const Health& h = e.svc().config().health;
    EXPECT_FALSE(e.server(1).record_connect_failure(e.now, h));
    EXPECT_TRUE(e.server(1).record_connect_failure(e.now, h))
        << "second consecutive failure marks it";
    EXPECT_EQ(e.server(1).stats().unable_to_connect, 2u);
    for (int i = 0; i < 10; ++i) {
        auto d = e.pick({2, std::nullopt, std::nullopt});
        ASSERT_TRUE(d);
        EXPECT_NE(d->server, 1u);
        EXPECT_FALSE(d->persistent) << "its sessions are rescheduled";
    }
    // After the retry interval exactly one request probes it.
    e.now += std::chrono::seconds(11);
    auto d = e.pick({2, std::nullopt, std::nullopt});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->server, 1u);
    d = e.pick({2, std::nullopt, std::nullopt});
    ASSERT_TRUE(d);
    EXPECT_NE(d->server, 1u) << "the probe is claimed: others keep away";
    e.server(1).record_success();
    d = e.pick({2, std::nullopt, std::nullopt});
    EXPECT_EQ(d->server, 1u);
    EXPECT_TRUE(d->persistent);
}

// Passive health counts what a server does after accepting the connection too (issue 10): resets,
// truncated or unparsable responses and response timeouts; only a whole response clears the
// streak, since every one of those failures follows a successful connect.
TEST(ServiceScheduler, FailuresAfterConnectMarkTheServerFailed)
{
    Env e(conf("cookie"));
    const Health& h = e.svc().config().health;
    EXPECT_FALSE(e.server(1).record_response_failure(e.now, h));
    EXPECT_TRUE(e.server(1).record_response_failure(e.now, h))
        << "max_failures (2) failed requests mark it";
    EXPECT_EQ(e.server(1).stats().errors, 2u);
    EXPECT_EQ(e.server(1).stats().unable_to_connect, 0u);
    EXPECT_EQ(e.server(1).stats().failures, 1u);
    EXPECT_FALSE(e.server(1).healthy());
    for (int i = 0; i < 10; ++i) {
        auto d = e.pick({});
        ASSERT_TRUE(d);
        EXPECT_NE(d->server, 1u);
    }
    // The probe after retry_interval fails again: still failed, marked only once.
    e.now += std::chrono::seconds(11);
    EXPECT_TRUE(e.server(1).acquire(e.now, h));
    EXPECT_FALSE(e.server(1).record_response_failure(e.now, h));
    EXPECT_FALSE(e.server(1).healthy());
    EXPECT_EQ(e.server(1).stats().failures, 1u);
    // A whole response clears it.
    e.server(1).record_success();
    EXPECT_TRUE(e.server(1).healthy());
    EXPECT_EQ(e.server(1).stats().consecutive_failures, 0u);
}

TEST(ServiceScheduler, ConnectAndResponseFailuresMakeOneStreak)
{
    Env e(conf("cookie"));
    const Health& h = e.svc().config().health;
    EXPECT_FALSE(e.server(0).record_connect_failure(e.now, h));
    EXPECT_TRUE(e.server(0).record_response_failure(e.now, h));
    EXPECT_FALSE(e.server(0).healthy());

    // Interleaved with whole responses, failures never add up to max_failures.
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(e.server(2).record_response_failure(e.now, h));
        e.server(2).record_success();
    }
    EXPECT_TRUE(e.server(2).healthy());
}

TEST(ServiceScheduler, DisabledServerKeepsItsSessionsButGetsNoNewOnes)
{
    Env e(conf("cookie", true));
    ASSERT_FALSE(e.server(1).config().enabled);
    auto d = e.pick({2, std::nullopt, std::nullopt});
    EXPECT_EQ(d->server, 1u);
    EXPECT_TRUE(d->persistent);
    for (int i = 0; i < 20; ++i)
        EXPECT_NE(e.pick({})->server, 1u);
}

TEST(ServiceScheduler, TriedServersAreExcluded)
{
    Env e(conf("cookie"));
    auto d = e.pick({1, std::nullopt, std::nullopt}, {true, false, false});
    ASSERT_TRUE(d);
    EXPECT_NE(d->server, 0u);
    EXPECT_FALSE(d->persistent);
    EXPECT_FALSE(e.pick({}, {true, true, true})) << "nothing left: 503";
}

TEST(ServiceScheduler, LeastConnectionsByWeight)
{
    Env e(conf("leastconn"));
    e.server(0).stats().active_requests = 5;
    e.server(1).stats().active_requests = 1;
    e.server(2).stats().active_requests = 3;
    EXPECT_EQ(e.pick({})->server, 1u);
}

// A sequential client (one request at a time, so every server has 0 requests in flight) ties
// every server on least connections: the tie goes by weight (smooth weighted round robin), not
// always to the heaviest server (issue 16: 30 of 30 with weights 2:1).  Each worker has its own
// rotation, used by its thread only.
TEST(ServiceScheduler, LeastConnectionsTiesFollowTheWeights)
{
    Env e("backends:\n  web:\n    servers:\n"
          "      - {key: 1, addr: 10.0.0.1:80, weight: 2}\n"
          "      - {key: 2, addr: 10.0.0.2:80, weight: 1}\n"
          "services:\n  - {name: s, listen: 1.1.1.1:80, backend: web, policy: leastconn}\n",
          2);
    std::map<std::size_t, int> picks[2];
    std::vector<bool> none(2, false);
    for (int i = 0; i < 30; ++i) {
        for (unsigned w = 0; w < 2; ++w) {
            auto d = e.sched().pick({}, w, none, e.now);
            ASSERT_TRUE(d);
            ++picks[w][d->server];
        }
    }
    for (unsigned w = 0; w < 2; ++w) {
        EXPECT_EQ(picks[w][0], 20) << "worker " << w;
        EXPECT_EQ(picks[w][1], 10) << "worker " << w;
    }
    // Fewer requests in flight per weight still wins outright: 3 on weight 2 (1.5 each) against
    // 1 on weight 1.
    e.server(0).stats().active_requests = 3;
    e.server(1).stats().active_requests = 1;
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(e.sched().pick({}, 0, none, e.now)->server, 1u);
}

// Sequential requests that land on whichever worker accepted their connection (SO_REUSEPORT
// hashes them): each worker rotates on its own, exact to within a fraction of a request per
// worker for weights 2:1, so with 2 workers 30 requests give exactly 20 and 10 however they fall,
// and with 4 workers the heavier server gets 20 +- 1.  A disabled (draining) server gets none.
TEST(ServiceScheduler, LeastConnectionsTiesSpreadOverWorkers)
{
    const std::string text = "backends:\n  web:\n    servers:\n"
                             "      - {key: 1, addr: 10.0.0.1:80, weight: 2}\n"
                             "      - {key: 2, addr: 10.0.0.2:80, weight: 1}\n"
                             "      - {key: 3, addr: 10.0.0.3:80, weight: 4, enabled: false}\n"
                             "services:\n  - {name: s, listen: 1.1.1.1:80, backend: web, "
                             "policy: leastconn}\n";
    std::vector<bool> none(3, false);
    std::uint32_t seed = 16;
    for (unsigned workers : {2u, 4u}) {
        for (int run = 0; run < 20; ++run) {
            Env e(text, workers);
            int picks[3] = {0, 0, 0};
            for (int i = 0; i < 30; ++i) {
                seed = seed * 1103515245u + 12345u;
                auto d = e.sched().pick({}, (seed >> 16) % workers, none, e.now);
                ASSERT_TRUE(d);
                ++picks[d->server];
            }
            EXPECT_EQ(picks[2], 0);
            if (workers == 2) {
                EXPECT_EQ(picks[0], 20) << "run " << run;
            } else {
                EXPECT_GE(picks[0], 19) << "run " << run;
                EXPECT_LE(picks[0], 21) << "run " << run;
            }
        }
    }
}

TEST(ServiceScheduler, SessionIdSticksAndOnlyAFailedServersSessionsMove)
{
    Env e(conf("session-id"));
    std::map<std::string, std::size_t> first;
    for (int i = 0; i < 200; ++i) {
        auto id = "session-" + std::to_string(i);
        auto d = e.pick({std::nullopt, hash64(id), std::nullopt});
        ASSERT_TRUE(d);
        EXPECT_TRUE(d->persistent);
        first[id] = d->server;
        EXPECT_EQ(e.pick({std::nullopt, hash64(id), std::nullopt})->server, d->server);
    }
    e.server(2).record_connect_failure(e.now, e.svc().config().health);
    e.server(2).record_connect_failure(e.now, e.svc().config().health);
    for (const auto& [id, srv] : first) {
        auto d = e.pick({std::nullopt, hash64(id), std::nullopt})->server;
        if (srv != 2)
            EXPECT_EQ(d, srv) << id;
        else
            EXPECT_NE(d, 2u) << id;
    }
}

TEST(ServiceScheduler, UrlHashIsStableAndBounded)
{
    Env e(conf("url-hash"));
    std::map<std::size_t, int> load;
    std::map<int, std::size_t> where;
    for (int i = 0; i < 300; ++i) {
        auto h = hash64("/obj/" + std::to_string(i));
        auto d = e.pick({std::nullopt, std::nullopt, h});
        ASSERT_TRUE(d);
        where[i] = d->server;
        ++load[d->server];
    }
    for (const auto& [srv, n] : load)
        EXPECT_LE(n, 105) << "bounded load 1.05 x 100";
    for (int i = 0; i < 300; ++i)
        EXPECT_EQ(e.pick({std::nullopt, std::nullopt, hash64("/obj/" + std::to_string(i))})->server,
                  where[i]);
    // An excluded cache (just failed to connect): the URL walks to another, without moving others.
    auto h = hash64("/obj/0");
    std::vector<bool> tried(3, false);
    tried[where[0]] = true;
    auto alt = e.pick({std::nullopt, std::nullopt, h}, tried);
    ASSERT_TRUE(alt);
    EXPECT_NE(alt->server, where[0]);
    EXPECT_EQ(e.pick({std::nullopt, std::nullopt, h})->server, where[0]);
}

TEST(ServiceScheduler, UrlHashTablesArePerWorker)
{
    Env e(conf("url-hash"), 2);
    std::vector<bool> none(3, false);
    ASSERT_TRUE(e.sched().pick({std::nullopt, std::nullopt, hash64("/a")}, 0, none, e.now));
    EXPECT_EQ(e.sched().tracked_urls(0), 1u);
    EXPECT_EQ(e.sched().tracked_urls(1), 0u);
}

// Two workers, 10 URLs each, all with server 1 as their first choice.  Each worker's table alone
// would allow ceil(10/3) = 4 there (8 of 20, 1.2x the mean); the shared accounting holds the
// daemon to max(floor(1.05 * 20/3), ceil(20/3)) = 7.
TEST(ServiceScheduler, UrlHashBoundIsPerDaemonNotPerWorker)
{
    Env e(conf("url-hash"), 2);
    BoundedLoadTable probe; // the same ring as the scheduler's tables: {key, weight 1}
    const std::vector<HashNode> nodes{{1, 1}, {2, 1}, {3, 1}};
    probe.set_nodes(nodes);
    std::vector<std::uint64_t> urls;
    for (int i = 0; urls.size() < 20; ++i) {
        auto h = hash64("/w/" + std::to_string(i));
        if (probe.ring().nodes()[*probe.ring().walk(h, [](std::size_t) { return true; })].id == 1)
            urls.push_back(h);
    }
    std::vector<bool> none(3, false);
    for (std::size_t i = 0; i < urls.size(); ++i)
        ASSERT_TRUE(e.sched().pick({std::nullopt, std::nullopt, urls[i]}, i % 2, none, e.now));
    EXPECT_EQ(e.sched().tracked_urls(0) + e.sched().tracked_urls(1), 20u);
    EXPECT_EQ(e.sched().url_load(1), 7u);
}

// Both workers at once, from their own threads (as the event loops run): the bound still holds,
// give or take the one URL a simultaneous placement can add.
TEST(ServiceScheduler, UrlHashBoundHoldsWithConcurrentWorkers)
{
    Env e(conf("url-hash"), 2);
    auto run = [&](unsigned worker) {
        std::vector<bool> none(3, false);
        for (int i = 0; i < 3000; ++i) {
            auto h = hash64("/c/" + std::to_string(i * 2 + static_cast<int>(worker)));
            EXPECT_TRUE(e.sched().pick({std::nullopt, std::nullopt, h}, worker, none, e.now));
        }
    };
    std::thread a(run, 0u), b(run, 1u);
    a.join();
    b.join();
    for (std::uint32_t key = 1; key <= 3; ++key)
        EXPECT_LE(e.sched().url_load(key), 2000u * 105 / 100 + 1) << "server " << key;
}

// Every worker's url-hash table adopts the pool's ring, built once with the configuration; a
// server failing changes the tables' masks, not the ring, and moves only that server's URLs.
// With a generous load factor no overflow placement intervenes: the workers agree on every URL.
TEST(ServiceScheduler, UrlHashWorkersShareOneRingAndAgree)
{
    auto text = conf("url-hash") + "    url_hash: {load_factor: 10}\n";
    Env e(text, 2);
    const auto& ring = e.svc().pool().shared_ring();
    std::vector<bool> none(3, false);
    std::map<int, std::size_t> where;
    for (int i = 0; i < 300; ++i) {
        auto h = hash64("/agree/" + std::to_string(i));
        auto a = e.sched().pick({std::nullopt, std::nullopt, h}, 0, none, e.now);
        auto b = e.sched().pick({std::nullopt, std::nullopt, h}, 1, none, e.now);
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->server, b->server) << i;
        where[i] = a->server;
    }
    EXPECT_EQ(ring.use_count(), 3) << "the pool and the two workers' tables hold the one ring";

    e.server(1).record_connect_failure(e.now, e.svc().config().health);
    e.server(1).record_connect_failure(e.now, e.svc().config().health);
    for (int i = 0; i < 300; ++i) {
        auto h = hash64("/agree/" + std::to_string(i));
        for (unsigned w = 0; w < 2; ++w) {
            auto d = e.sched().pick({std::nullopt, std::nullopt, h}, w, none, e.now);
            ASSERT_TRUE(d);
            if (where[i] != 1)
                EXPECT_EQ(d->server, where[i]) << i;
            else
                EXPECT_NE(d->server, 1u) << i;
        }
    }
    EXPECT_EQ(&*e.svc().pool().shared_ring(), &*ring) << "no ring was rebuilt";
    EXPECT_EQ(ring.use_count(), 3);
}

// URLs and session ids are hashed with SipHash-2-4 under the daemon's key: the hash_key_file's
// when configured (every DLBA server of an array given the same file agrees), else a random key
// made at start and kept across reloads.
TEST(VirtualService, KeyedHashOfUrlsAndSessionIds)
{
    char path[] = "/tmp/dlbad-hashkey-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    {
        std::ofstream(path) << "000102030405060708090a0b0c0d0e0f\n";
    }
    const std::string keyed = std::string("hash_key_file: ") + path + "\n" + conf("url-hash");
    StatsRegistry registry;
    const Runtime a(ConfigLoader::load_string(keyed, "t.conf"), 1, 1, Secrets::random(), registry);
    const Runtime b(ConfigLoader::load_string(keyed, "t.conf"), 1, 1, Secrets::random(), registry);
    std::remove(path);
    std::string m;
    for (int i = 0; i < 15; ++i)
        m.push_back(static_cast<char>(i));
    EXPECT_EQ(a.services()[0]->hash(m), 0xa129ca6149be45e5ull) << "the key file's key";
    EXPECT_EQ(a.services()[0]->hash("/obj/1"), b.services()[0]->hash("/obj/1"))
        << "one key file, one placement";

    const Secrets s1 = Secrets::random();
    const Secrets s2 = Secrets::random();
    const Runtime r1(ConfigLoader::load_string(conf("url-hash"), "t.conf"), 1, 1, s1, registry);
    const Runtime r1_reloaded(ConfigLoader::load_string(conf("url-hash"), "t.conf"), 2, 1, s1,
                              registry);
    const Runtime r2(ConfigLoader::load_string(conf("url-hash"), "t.conf"), 1, 1, s2, registry);
    EXPECT_EQ(r1.services()[0]->hash("/obj/1"), r1_reloaded.services()[0]->hash("/obj/1"))
        << "a reload keeps the random key";
    EXPECT_NE(r1.services()[0]->hash("/obj/1"), r2.services()[0]->hash("/obj/1"))
        << "another process, another key";
    EXPECT_EQ(r1.services()[0]->hash("/obj/1"), siphash24(s1.hash_key, "/obj/1"));
}

} // namespace
} // namespace dlba::dlbad
