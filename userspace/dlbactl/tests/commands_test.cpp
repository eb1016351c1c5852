// Whole command lines through run_dlbactl() against the fake kernel:
// argument handling, exit status, error text and the -j JSON shapes.
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/version.h"
#include "fake_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/dlba.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

namespace dlba::ctl {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FakeMonitor : public Monitor {
public:
    std::vector<ServiceInfo> services() override { return svcs; }
    std::vector<ServerInfo> servers(const ServiceKey&) override { return srvs; }
    BucketTable buckets(const ServiceKey&) override { return table; }

    std::vector<ServiceInfo> svcs;
    std::vector<ServerInfo> srvs;
    BucketTable table;
};

class CommandsTest : public ::testing::Test {
protected:
    int run(std::vector<std::string> args)
    {
        out.str("");
        err.str("");
        Context ctx(
            out, err,
            [this] { return std::unique_ptr<Backend>(std::make_unique<test::BackendProxy>(fake)); },
            [this] {
                struct Proxy : Monitor {
                    explicit Proxy(Monitor& m) : m_(m) {}
                    std::vector<ServiceInfo> services() override { return m_.services(); }
                    std::vector<ServerInfo> servers(const ServiceKey& k) override
                    {
                        return m_.servers(k);
                    }
                    BucketTable buckets(const ServiceKey& k) override { return m_.buckets(k); }
                    Monitor& m_;
                };
                return std::unique_ptr<Monitor>(std::make_unique<Proxy>(monitor));
            });
        return run_dlbactl(ctx, args);
    }

    json run_json(std::vector<std::string> args)
    {
        EXPECT_EQ(run(std::move(args)), 0) << err.str();
        return json::parse(out.str());
    }

    void populate()
    {
        ASSERT_EQ(run({"service", "add", "10.0.0.10:80/tcp", "--buckets", "16", "--timeout", "60"}),
                  0)
            << err.str();
        ASSERT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.1",
                       "--mac", "02:00:00:00:01:01"}),
                  0)
            << err.str();
        ASSERT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "2", "--addr", "10.0.1.2",
                       "--method", "nat", "--port", "8080", "--weight", "3", "--disabled"}),
                  0)
            << err.str();
    }

    test::FakeBackend fake;
    FakeMonitor monitor;
    std::ostringstream out, err;
};

TEST_F(CommandsTest, ServiceAddSendsTheOptions)
{
    populate();
    const auto& s = fake.state.at(parse_service("10.0.0.10:80/tcp"));
    EXPECT_EQ(s.info.buckets, 16u);
    EXPECT_EQ(s.info.timeout, 60u);
    EXPECT_EQ(s.servers.at(2).method, DLBA_FWD_NAT);
    EXPECT_EQ(s.servers.at(2).port, 8080);
    EXPECT_EQ(s.servers.at(2).weight, 3u);
    EXPECT_FALSE(s.servers.at(2).enabled);
    EXPECT_TRUE(s.servers.at(1).enabled);
    EXPECT_EQ(s.servers.at(1).method, DLBA_FWD_DR);
}

TEST_F(CommandsTest, ServiceListJsonShape)
{
    populate();
    json j = run_json({"-j", "service", "list"});
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u);
    const json& s = j[0];
    EXPECT_EQ(s["family"], "inet");
    EXPECT_EQ(s["addr"], "10.0.0.10");
    EXPECT_EQ(s["port"], 80);
    EXPECT_EQ(s["proto"], "tcp");
    EXPECT_EQ(s["buckets"], 16);
    EXPECT_EQ(s["timeout"], 60);
    EXPECT_EQ(s["mode"], "forward");
    EXPECT_EQ(s["panic"], false);
    EXPECT_EQ(s["version"], 0);
    EXPECT_EQ(s["nservers"], 2);
    EXPECT_TRUE(s["stats"].is_object());
    EXPECT_EQ(s["stats"]["packets"], 0);
}

// The refusals below carry texts chosen by the test (FakeBackend::refuse), so what is checked is
// dlbactl's report of a kernel refusal (dlbactl(8) DIAGNOSTICS: "dlbactl: <extack>: <errno
// text>", exit 1, nothing on standard output), not the fake's own wording of its rules.
TEST_F(CommandsTest, ServiceListOfOneServiceReportsTheRefusal)
{
    populate();
    fake.requests.clear();
    fake.refuse("service 10.0.0.99:80/tcp", ENOENT, "refused by the test");
    EXPECT_EQ(run({"service", "list", "10.0.0.99:80/tcp"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: refused by the test: No such file or directory\n");
    EXPECT_EQ(out.str(), ""); // no table header for nothing
    // It asked for that one service (not the whole list, filtered), and nothing else.
    EXPECT_THAT(fake.requests, ElementsAre("service 10.0.0.99:80/tcp"));
    EXPECT_THAT(fake.refused, ElementsAre("service 10.0.0.99:80/tcp"));

    // A refusal without an extended-ack text: the errno's text alone.
    fake.refuse("service", EPERM, "");
    EXPECT_EQ(run({"service", "list", "10.0.0.10:80/tcp"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: Operation not permitted\n");
    EXPECT_EQ(out.str(), "");
}

TEST_F(CommandsTest, ServiceTable)
{
    populate();
    ASSERT_EQ(run({"service", "list"}), 0);
    std::istringstream lines(out.str());
    std::string header, row;
    std::getline(lines, header);
    std::getline(lines, row);
    EXPECT_THAT(header, HasSubstr("SERVICE"));
    EXPECT_THAT(header, HasSubstr("BUCKETS"));
    EXPECT_EQ(row.substr(0, 16), "10.0.0.10:80/tcp");
}

TEST_F(CommandsTest, ServerListJsonShapeAndTable)
{
    populate();
    json j = run_json({"server", "list", "-j"});
    ASSERT_EQ(j.size(), 2u);
    const json& a = j[0];
    EXPECT_EQ(a["service"], "10.0.0.10:80/tcp");
    EXPECT_EQ(a["id"], 1);
    EXPECT_EQ(a["addr"], "10.0.1.1");
    EXPECT_EQ(a["port"], 80);
    EXPECT_EQ(a["mac"], "02:00:00:00:01:01");
    EXPECT_EQ(a["weight"], 1);
    EXPECT_EQ(a["method"], "dr");
    EXPECT_EQ(a["state"], "ready");
    EXPECT_EQ(a["enabled"], true);
    EXPECT_EQ(a["failed"], false);
    EXPECT_EQ(a["buckets"], 0);
    EXPECT_EQ(j[1]["state"], "drain");
    EXPECT_TRUE(a["stats"].is_object());
    EXPECT_TRUE(j[1]["mac"].is_null());
    EXPECT_EQ(j[1]["method"], "nat");

    ASSERT_EQ(run({"server", "list", "10.0.0.10:80/tcp"}), 0);
    std::istringstream lines(out.str());
    std::string l;
    std::getline(lines, l);
    EXPECT_EQ(l, "Service 10.0.0.10:80/tcp");
    std::getline(lines, l);
    std::istringstream header(l);
    std::vector<std::string> cols{std::istream_iterator<std::string>(header), {}};
    EXPECT_THAT(cols, ElementsAre("ID", "ADDR", "PORT", "MAC", "METHOD", "WEIGHT", "STATE",
                                  "ENABLED", "FAILED", "BUCKETS", "PACKETS", "BYTES"));
    std::getline(lines, l);
    std::istringstream row(l);
    std::vector<std::string> cells{std::istream_iterator<std::string>(row), {}};
    EXPECT_THAT(cells, ElementsAre("1", "10.0.1.1", "80", "02:00:00:00:01:01", "dr", "1", "ready",
                                   "yes", "no", "0", "-", "-"));
}

TEST_F(CommandsTest, ServerSetChangesOnlyWhatIsGiven)
{
    populate();
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2", "--enable", "--fail"}), 0)
        << err.str();
    const auto& s = fake.state.at(parse_service("10.0.0.10:80/tcp")).servers.at(2);
    EXPECT_TRUE(s.enabled);
    EXPECT_TRUE(s.failed);
    EXPECT_EQ(s.weight, 3u);
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("nothing to change"));
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2", "--enable", "--disable"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("--enable and --disable exclude each other"));
}

// An operator names a server as they know it: its id, or its address (unique in a service);
// --drain / --ready are the words of HAProxy's and IPVS's users, --disable / --enable the same.
TEST_F(CommandsTest, ServerIsNamedByIdOrAddressAndDrainedOrReady)
{
    populate();
    const auto key = parse_service("10.0.0.10:80/tcp");
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "10.0.1.2", "--ready"}), 0) << err.str();
    EXPECT_TRUE(fake.state.at(key).servers.at(2).enabled);
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--drain"}), 0) << err.str();
    EXPECT_FALSE(fake.state.at(key).servers.at(2).enabled);
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2", "--enable"}), 0) << err.str();
    EXPECT_TRUE(fake.state.at(key).servers.at(2).enabled);

    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--ready", "--disable"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("--ready and --disable exclude each other"));
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--id", "2", "--drain"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("the server is named twice"));
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "10.0.1.9", "--drain"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: no server 10.0.1.9 in 10.0.0.10:80/tcp: No such file or "
                         "directory\n");
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "fd00::2", "--drain"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("no server fd00::2"));
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "two", "--drain"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("invalid address 'two'"));

    fake.requests.clear();
    ASSERT_EQ(run({"server", "del", "10.0.0.10:80/tcp", "10.0.1.1"}), 0) << err.str();
    EXPECT_THAT(fake.requests, Contains("del_server 10.0.0.10:80/tcp 1"));
    EXPECT_FALSE(fake.state.at(key).servers.count(1));

    ASSERT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "5", "--addr", "10.0.1.5",
                   "--method", "tun", "--drain"}),
              0)
        << err.str();
    EXPECT_FALSE(fake.state.at(key).servers.at(5).enabled);
}

// One word for one state, as dlbad's admin socket and dlba.yaml spell it: ready, drain
// (disabled) and maint (failed); the older flags are its aliases and may not contradict it.
TEST_F(CommandsTest, ServerStateSetsBothFlagsAndIsShown)
{
    populate();
    const auto key = parse_service("10.0.0.10:80/tcp");
    auto state_of = [&](int id) {
        json j = run_json({"server", "list", "10.0.0.10:80/tcp", "-j"});
        for (const auto& s : j)
            if (s["id"] == id)
                return s["state"].get<std::string>();
        return std::string("none");
    };
    EXPECT_EQ(state_of(2), "drain");
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "10.0.1.2", "--state", "maint"}), 0)
        << err.str();
    EXPECT_FALSE(fake.state.at(key).servers.at(2).enabled);
    EXPECT_TRUE(fake.state.at(key).servers.at(2).failed);
    EXPECT_EQ(state_of(2), "maint");
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--state", "ready"}), 0) << err.str();
    EXPECT_TRUE(fake.state.at(key).servers.at(2).enabled);
    EXPECT_FALSE(fake.state.at(key).servers.at(2).failed);
    EXPECT_EQ(state_of(2), "ready");
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--fail"}), 0) << err.str();
    EXPECT_EQ(state_of(2), "maint");
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--state", "drain"}), 0) << err.str();
    EXPECT_FALSE(fake.state.at(key).servers.at(2).enabled);
    EXPECT_FALSE(fake.state.at(key).servers.at(2).failed);
    EXPECT_EQ(state_of(2), "drain");

    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--state", "ready", "--drain"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("--state and --drain exclude each other"));
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "2", "--state", "up"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("invalid server state 'up' (one of ready, drain, maint)"));

    ASSERT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "6", "--addr", "10.0.1.6",
                   "--method", "tun", "--state", "maint"}),
              0)
        << err.str();
    EXPECT_TRUE(fake.state.at(key).servers.at(6).failed);
    EXPECT_FALSE(fake.state.at(key).servers.at(6).enabled);
    ASSERT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "7", "--addr", "10.0.1.7",
                   "--method", "tun", "--state", "drain"}),
              0)
        << err.str();
    EXPECT_EQ(state_of(7), "drain");
    EXPECT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "8", "--addr", "10.0.1.8",
                   "--method", "tun", "--state", "ready", "--failed"}),
              1);
    EXPECT_THAT(err.str(), HasSubstr("--state and --failed exclude each other"));
}

TEST_F(CommandsTest, ServerSetOfFixedFieldsRecreatesTheServer)
{
    populate();
    auto key = parse_service("10.0.0.10:80/tcp");
    fake.calls.clear();
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.9", "--mac",
                   "02:00:00:00:01:09", "--weight", "4"}),
              0)
        << err.str();
    EXPECT_THAT(fake.calls,
                ElementsAre("del_server 10.0.0.10:80/tcp 1", "add_server 10.0.0.10:80/tcp 1"));
    const auto& s1 = fake.state.at(key).servers.at(1);
    EXPECT_EQ(format_address(s1.addr), "10.0.1.9");
    EXPECT_EQ(format_mac(*s1.mac), "02:00:00:00:01:09");
    EXPECT_EQ(s1.weight, 4u);
    EXPECT_EQ(s1.method, DLBA_FWD_DR);

    // nat server 2 keeps its method, weight and drain state.
    ASSERT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2", "--port", "9090"}), 0)
        << err.str();
    const auto& s2 = fake.state.at(key).servers.at(2);
    EXPECT_EQ(s2.port, 9090);
    EXPECT_EQ(s2.method, DLBA_FWD_NAT);
    EXPECT_EQ(s2.weight, 3u);
    EXPECT_FALSE(s2.enabled);

    // Checked by dlbactl before the delete: only the server list is read, nothing is changed.
    fake.calls.clear();
    fake.requests.clear();
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "2", "--mac", "02:00:00:00:01:02"}),
              1);
    EXPECT_EQ(err.str(), "dlbactl: --mac: only dr servers take a MAC address (server 2 is nat)\n");
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "1", "--addr", "fd00::1"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: server address fd00::1 is inet6 but the service is inet\n");
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "7", "--addr", "10.0.1.7"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: no such server: No such file or directory\n");
    EXPECT_THAT(fake.calls, IsEmpty());
    EXPECT_THAT(fake.requests, ElementsAre("servers 10.0.0.10:80/tcp", "servers 10.0.0.10:80/tcp",
                                           "servers 10.0.0.10:80/tcp"));

    // The kernel refusing the new server: the old one is put back as it was, and the refusal is
    // what dlbactl reports.
    fake.calls.clear();
    fake.refuse("add_server 10.0.0.10:80/tcp 1", EINVAL, "new server refused by the test");
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.8"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: new server refused by the test: Invalid argument\n");
    EXPECT_THAT(fake.refused, ElementsAre("add_server 10.0.0.10:80/tcp 1"));
    EXPECT_THAT(fake.calls,
                ElementsAre("del_server 10.0.0.10:80/tcp 1", "add_server 10.0.0.10:80/tcp 1"));
    ASSERT_GE(fake.added_servers.size(), 2u);
    EXPECT_EQ(format_address(fake.added_servers.end()[-2].addr), "10.0.1.8"); // the refused one
    const auto& back = fake.state.at(key).servers.at(1);
    EXPECT_EQ(format_address(back.addr), "10.0.1.9");
    EXPECT_EQ(format_mac(*back.mac), "02:00:00:00:01:09");
    EXPECT_EQ(back.weight, 4u);
    EXPECT_EQ(back.method, DLBA_FWD_DR);
    EXPECT_TRUE(back.enabled);

    // Putting it back refused too: the first refusal is the one reported (it says what went
    // wrong), and nothing else is tried.
    fake.calls.clear();
    fake.refused.clear();
    fake.refuse("add_server", EINVAL, "first refusal");
    fake.refuse("add_server", ENOSPC, "second refusal");
    EXPECT_EQ(run({"server", "set", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.8"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: first refusal: Invalid argument\n");
    EXPECT_THAT(fake.refused,
                ElementsAre("add_server 10.0.0.10:80/tcp 1", "add_server 10.0.0.10:80/tcp 1"));
    EXPECT_THAT(fake.calls, ElementsAre("del_server 10.0.0.10:80/tcp 1"));
}

TEST_F(CommandsTest, ServerAddAndDelPassTheirValuesAndReportRefusals)
{
    populate();
    fake.requests.clear();
    fake.refuse("del_server", ENOENT, "del refused by the test");
    EXPECT_EQ(run({"server", "del", "10.0.0.10:80/tcp", "--id", "7"}), 1);
    EXPECT_EQ(err.str(), "dlbactl: del refused by the test: No such file or directory\n");
    EXPECT_EQ(out.str(), "");
    EXPECT_THAT(fake.requests, ElementsAre("del_server 10.0.0.10:80/tcp 7"));

    // dlbactl(8): single commands pass their values to the kernel, which checks them.  An
    // address of the other family goes as given (no silent conversion, no guess), and the
    // kernel's refusal is reported as it came; nothing else is sent.
    fake.requests.clear();
    fake.added_servers.clear();
    fake.refuse("add_server 10.0.0.10:80/tcp 4", EAFNOSUPPORT, "family refused by the test");
    EXPECT_EQ(run({"server", "add", "10.0.0.10:80/tcp", "--id", "4", "--addr", "fd00::4", "--mac",
                   "02:00:00:00:01:04", "--weight", "5"}),
              1);
    EXPECT_EQ(err.str(),
              "dlbactl: family refused by the test: Address family not supported by protocol\n");
    EXPECT_EQ(out.str(), "");
    EXPECT_THAT(fake.requests, ElementsAre("add_server 10.0.0.10:80/tcp 4"));
    ASSERT_EQ(fake.added_servers.size(), 1u);
    const ServerConfig& sent = fake.added_servers[0];
    EXPECT_EQ(format_address(sent.addr), "fd00::4");
    EXPECT_EQ(format_mac(*sent.mac), "02:00:00:00:01:04");
    EXPECT_EQ(sent.weight, 5u);
    EXPECT_EQ(sent.method, DLBA_FWD_DR);
    EXPECT_TRUE(sent.enabled);
    EXPECT_FALSE(sent.failed);
    EXPECT_FALSE(fake.state.at(parse_service("10.0.0.10:80/tcp")).servers.count(4));
}

TEST_F(CommandsTest, UsageErrorsExitOneAndChangeNothing)
{
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    std::vector<Case> cases = {
        {{}, "usage: dlbactl"},
        {{"bogus"}, "unknown command 'bogus'"},
        {{"service"}, "missing service command"},
        {{"service", "add"}, "missing SVC"},
        {{"service", "add", "10.0.0.10:80"}, "missing /tcp or /udp"},
        {{"service", "add", "10.0.0.10:80/tcp", "--buckets", "lots"},
         "invalid bucket count 'lots'"},
        {{"service", "add", "10.0.0.10:80/tcp", "--bucket", "16"},
         "unrecognised option '--bucket'"},
        {{"service", "add", "10.0.0.10:80/tcp", "--mode", "proxy"}, "invalid service mode 'proxy'"},
        {{"service", "add", "10.0.0.10:80/tcp", "extra"}, "unexpected argument 'extra'"},
        {{"server", "add", "10.0.0.10:80/tcp", "--addr", "10.0.1.1"}, "missing --id"},
        {{"server", "add", "10.0.0.10:80/tcp", "--id", "1"}, "missing --addr"},
        {{"server", "add", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.1", "--mac", "zz"},
         "invalid MAC address 'zz'"},
        {{"server", "add", "10.0.0.10:80/tcp", "--id", "1", "--addr", "10.0.1.1", "--port",
          "65536"},
         "invalid port '65536'"},
        {{"panic", "maybe", "10.0.0.10:80/tcp"}, "panic takes 'on' or 'off'"},
        {{"panic", "on"}, "missing on|off and SVC"},
        {{"flush", "now"}, "unexpected argument 'now'"},
        {{"apply"}, "missing -f FILE"},
        {{"dump", "clients", "10.0.0.10:80/tcp"}, "unknown table 'clients'"},
        {{"dump", "servers"}, "missing SVC"},
        {{"--frobnicate", "flush"}, "unrecognised option '--frobnicate'"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(run(c.args), 1) << c.message;
        EXPECT_THAT(err.str(), HasSubstr(c.message));
        EXPECT_EQ(out.str(), "") << c.message;
    }
    // Not even a read: a usage error is found before the kernel is asked anything.
    EXPECT_THAT(fake.requests, IsEmpty());
}

TEST_F(CommandsTest, HelpAndVersion)
{
    EXPECT_EQ(run({"--help"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("dlbactl apply -f FILE [--dry-run | --check]"));
    EXPECT_EQ(run({"-V"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("dlbactl " DLBA_VERSION "\n"));
    EXPECT_EQ(run({"server", "add", "-h"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("--method"));
    EXPECT_EQ(run({"server", "--help"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("server del SVC ID|ADDR"));
}

TEST_F(CommandsTest, PanicAndFlush)
{
    populate();
    ASSERT_EQ(run({"panic", "on", "10.0.0.10:80/tcp"}), 0);
    EXPECT_TRUE(fake.state.at(parse_service("10.0.0.10:80/tcp")).info.panic);
    EXPECT_EQ(run_json({"-j", "service", "list"})[0]["panic"], true);
    ASSERT_EQ(run({"panic", "off", "10.0.0.10:80/tcp"}), 0);
    EXPECT_FALSE(fake.state.at(parse_service("10.0.0.10:80/tcp")).info.panic);
    ASSERT_EQ(run({"flush"}), 0);
    EXPECT_TRUE(fake.state.empty());
}

TEST_F(CommandsTest, StatsJsonShapes)
{
    populate();
    json g = run_json({"-j", "stats"});
    for (const char* k : {"packets", "bytes", "new_assign", "reassign", "noserver", "errors",
                          "replies", "services"})
        EXPECT_TRUE(g.contains(k)) << k;
    EXPECT_EQ(g["services"], 1);
    json s = run_json({"-j", "stats", "10.0.0.10:80/tcp"});
    EXPECT_EQ(s["service"], "10.0.0.10:80/tcp");
    EXPECT_FALSE(s.contains("services"));
    ASSERT_EQ(run({"stats"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("services"));
}

// stats --rate: two readings, the measured time between them; a counter that went down (a
// reload between the readings) has no rate rather than a huge one.
TEST_F(CommandsTest, StatsRateDividesByTheMeasuredInterval)
{
    Stats a, b;
    a.packets = 100;
    b.packets = 350;
    a.bytes = 1000;
    b.bytes = 500;
    a.new_assign = 0;
    b.new_assign = 5;
    Stats r = output::rates(a, b, 0.5);
    EXPECT_EQ(r.packets, 500u);
    EXPECT_FALSE(r.bytes);
    EXPECT_EQ(r.new_assign, 10u);
    EXPECT_FALSE(r.errors);

    populate();
    fake.packets_per_read = 100;
    const auto t0 = std::chrono::steady_clock::now();
    json j = run_json({"-j", "stats", "10.0.0.10:80/tcp", "--rate", "--interval", "200ms"});
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
    ASSERT_TRUE(j.contains("interval_ms"));
    EXPECT_GE(j["interval_ms"].get<int>(), 200);
    // 100 packets in ~0.2 s
    EXPECT_GE(j["per_second"]["packets"].get<int>(), 300);
    EXPECT_LE(j["per_second"]["packets"].get<int>(), 500);
    ASSERT_EQ(run({"stats", "--rate", "--interval", "100ms"}), 0) << err.str();
    EXPECT_THAT(out.str(), HasSubstr("PER SECOND"));
    EXPECT_EQ(run({"stats", "--interval", "1s"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("--interval goes with --rate"));
    EXPECT_EQ(run({"stats", "--rate", "--interval", "10ms"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("invalid --interval"));
}

// stats --zero (ipvsadm -Z): one service and its servers, or everything; no state changes;
// counting goes on from 0.
TEST_F(CommandsTest, StatsZeroResetsCountersNotState)
{
    populate();
    ASSERT_EQ(run({"service", "add", "10.0.0.11:80/tcp"}), 0) << err.str();
    const ServiceKey a = parse_service("10.0.0.10:80/tcp");
    const ServiceKey b = parse_service("10.0.0.11:80/tcp");
    fake.state.at(a).info.stats.packets = 50;
    fake.state.at(a).servers.at(1).stats.packets = 30;
    fake.state.at(b).info.stats.packets = 7;
    const uint64_t version = fake.state.at(a).table.version;

    ASSERT_EQ(run({"stats", "--zero", "10.0.0.10:80/tcp"}), 0) << err.str();
    EXPECT_EQ(fake.calls.back(), "zero_stats 10.0.0.10:80/tcp");
    EXPECT_EQ(fake.state.at(a).info.stats.packets, 0u);
    EXPECT_EQ(fake.state.at(a).servers.at(1).stats.packets, 0u);
    EXPECT_EQ(fake.state.at(b).info.stats.packets, 7u);
    EXPECT_EQ(fake.global_stats.packets, 10u);
    EXPECT_EQ(fake.state.at(a).table.version, version);
    EXPECT_EQ(fake.state.at(a).servers.size(), 2u);
    EXPECT_TRUE(out.str().empty());
    fake.packets_per_read = 4;
    EXPECT_EQ(run_json({"-j", "stats", "10.0.0.10:80/tcp"})["packets"], 4);

    ASSERT_EQ(run({"stats", "--zero"}), 0) << err.str();
    EXPECT_EQ(fake.calls.back(), "zero_stats all");
    EXPECT_EQ(fake.state.at(b).info.stats.packets, 0u);
    EXPECT_EQ(fake.global_stats.packets, 0u);
    EXPECT_EQ(run_json({"-j", "stats"})["packets"], 0);

    EXPECT_EQ(run({"stats", "--zero", "--rate"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("exclude each other"));
    EXPECT_EQ(run({"stats", "--zero", "--interval", "1s"}), 1);
    EXPECT_NE(run({"stats", "--zero", "10.0.0.99:80/tcp"}), 0);
}

TEST_F(CommandsTest, BucketsJsonShapes)
{
    populate();
    auto& table = fake.state.at(parse_service("10.0.0.10:80/tcp")).table;
    table.version = 7;
    for (size_t i = 0; i < 16; i++)
        table.assign[i] = i < 10 ? 1 : (i < 14 ? 2 : 0);
    table.idle_ms[3] = 1500;
    table.idle_ms[4] = 61000; // past the service's 60 s timeout: not active

    json all = run_json({"-j", "buckets", "10.0.0.10:80/tcp"});
    EXPECT_EQ(all["service"], "10.0.0.10:80/tcp");
    EXPECT_EQ(all["version"], 7);
    EXPECT_EQ(all["count"], 16);
    ASSERT_EQ(all["buckets"].size(), 16u);
    EXPECT_EQ(all["buckets"][3], json::array({1, 1500}));
    EXPECT_EQ(all["buckets"][15], json::array({0, 0}));

    json sum = run_json({"-j", "buckets", "10.0.0.10:80/tcp", "--summary"});
    EXPECT_EQ(sum["version"], 7);
    EXPECT_EQ(sum["count"], 16);
    EXPECT_EQ(sum["unassigned"], 2);
    EXPECT_EQ(sum["servers"], (json{{"1", 10}, {"2", 4}}));
    EXPECT_EQ(sum["timeout"], 60);
    EXPECT_EQ(sum["active"], (json{{"1", 9}, {"2", 4}}));

    ASSERT_EQ(run({"buckets", "10.0.0.10:80/tcp", "--summary"}), 0);
    EXPECT_THAT(out.str(), HasSubstr("version 7"));
    EXPECT_THAT(out.str(), HasSubstr("62.5%"));
}

TEST_F(CommandsTest, BucketsSaveAndLoadRoundTrip)
{
    populate();
    auto key = parse_service("10.0.0.10:80/tcp");
    auto& table = fake.state.at(key).table;
    table.version = 41;
    for (size_t i = 0; i < 16; i++)
        table.assign[i] = 1 + i % 2;
    std::string path = ::testing::TempDir() + "dlba_buckets_test.json";
    ASSERT_EQ(run({"buckets", "save", "10.0.0.10:80/tcp", "-o", path}), 0) << err.str();

    std::vector<uint32_t> saved = table.assign;
    table.assign.assign(16, 0);
    table.version = 1;
    ASSERT_EQ(run({"buckets", "load", "10.0.0.10:80/tcp", "-i", path}), 0) << err.str();
    EXPECT_EQ(table.assign, saved);
    EXPECT_EQ(table.version, 41u);

    // A file for a table of another size is refused before anything is sent.
    ASSERT_EQ(run({"service", "add", "10.0.0.11:80/tcp", "--buckets", "32"}), 0);
    fake.calls.clear();
    EXPECT_EQ(run({"buckets", "load", "10.0.0.11:80/tcp", "-i", path}), 1);
    EXPECT_THAT(err.str(), HasSubstr("holds 16 buckets but 10.0.0.11:80/tcp has 32"));
    EXPECT_THAT(fake.calls, IsEmpty());
}

TEST_F(CommandsTest, BucketsLoadNamingAnUnknownServerSendsNothing)
{
    populate();
    auto key = parse_service("10.0.0.10:80/tcp");
    auto& table = fake.state.at(key).table;
    std::string path = ::testing::TempDir() + "dlba_buckets_unknown.json";
    ASSERT_EQ(run({"buckets", "save", "10.0.0.10:80/tcp", "-o", path}), 0) << err.str();
    // the last bucket names id 99, which the service does not have
    std::string text;
    {
        std::ifstream in(path);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto doc = json::parse(text);
    doc["assign"][15] = 99;
    std::ofstream(path) << doc.dump();

    std::vector<uint32_t> before = table.assign;
    fake.calls.clear();
    EXPECT_EQ(run({"buckets", "load", "10.0.0.10:80/tcp", "-i", path}), 1);
    EXPECT_THAT(err.str(),
                HasSubstr("bucket 15 names server id 99, which 10.0.0.10:80/tcp does not have"));
    EXPECT_THAT(fake.calls, IsEmpty());
    EXPECT_EQ(table.assign, before);
}

TEST_F(CommandsTest, BucketsLoadUnderAnotherHashKeySendsNothing)
{
    populate();
    std::string path = ::testing::TempDir() + "dlba_buckets_key.json";
    ASSERT_EQ(run({"buckets", "save", "10.0.0.10:80/tcp", "-o", path}), 0) << err.str();
    std::string text;
    {
        std::ifstream in(path);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto doc = json::parse(text);
    EXPECT_EQ(doc["hash_key"],
              format_hash_key(*fake.state.at(parse_service("10.0.0.10:80/tcp")).info.hash_key));

    ASSERT_EQ(run({"service", "add", "10.0.0.11:80/tcp", "--buckets", "16", "--hash-key",
                   "00112233445566778899aabbccddeeff"}),
              0)
        << err.str();
    fake.calls.clear();
    EXPECT_EQ(run({"buckets", "load", "10.0.0.11:80/tcp", "-i", path}), 1);
    EXPECT_THAT(err.str(), HasSubstr("saved under another hash key than 10.0.0.11:80/tcp's"));
    EXPECT_THAT(fake.calls, IsEmpty());

    // A file without a key (an older dlbactl's) loads under any key.
    doc.erase("hash_key");
    std::ofstream(path) << doc.dump();
    EXPECT_EQ(run({"buckets", "load", "10.0.0.11:80/tcp", "-i", path}), 0) << err.str();
}

TEST_F(CommandsTest, SaveWritesWhatApplyRebuilds)
{
    populate();
    ASSERT_EQ(run({"service", "add", "[fd00::10]:443/udp", "--hash-key",
                   "00112233445566778899aabbccddeeff"}),
              0)
        << err.str();
    ASSERT_EQ(run({"server", "add", "[fd00::10]:443/udp", "--id", "7", "--addr", "fd00:1::7",
                   "--method", "tun"}),
              0)
        << err.str();
    std::string path = ::testing::TempDir() + "dlba_save_test.yaml";
    ASSERT_EQ(run({"save", "-o", path}), 0) << err.str();
    auto before = fake.state;

    ASSERT_EQ(run({"flush"}), 0);
    ASSERT_EQ(run({"apply", "-f", path}), 0) << err.str();
    ASSERT_EQ(fake.state.size(), before.size());
    for (const auto& [key, s] : before) {
        const auto& now = fake.state.at(key);
        EXPECT_EQ(now.info.buckets, s.info.buckets) << format_service(key);
        EXPECT_EQ(now.info.timeout, s.info.timeout) << format_service(key);
        EXPECT_EQ(now.info.hash_key, s.info.hash_key) << format_service(key);
        ASSERT_EQ(now.servers.size(), s.servers.size()) << format_service(key);
        for (const auto& [id, srv] : s.servers) {
            const auto& n = now.servers.at(id);
            EXPECT_EQ(n.addr, srv.addr);
            EXPECT_EQ(n.method, srv.method);
            EXPECT_EQ(n.port, srv.port);
            EXPECT_EQ(n.mac, srv.mac);
            EXPECT_EQ(n.weight, srv.weight);
            EXPECT_EQ(n.enabled, srv.enabled);
        }
    }
    // Applying it again changes nothing.
    ASSERT_EQ(run({"apply", "-f", path}), 0);
    EXPECT_EQ(out.str(), "nothing to change\n");
}

TEST_F(CommandsTest, ApplyDryRunPrintsThePlanAndChangesNothing)
{
    std::string path = ::testing::TempDir() + "dlba_apply_test.yaml";
    std::ofstream(path) << "services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n"
                           "      - {id: 1, addr: 10.0.1.1, method: tun}\n";
    ASSERT_EQ(run({"apply", "-f", path, "--dry-run"}), 0) << err.str();
    EXPECT_EQ(out.str(),
              "add service 10.0.0.10:80/tcp (buckets 65536, timeout 300, mode forward)\n"
              "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, method tun, weight 1)\n");
    EXPECT_THAT(fake.calls, IsEmpty());

    json j = run_json({"-j", "apply", "-f", path, "--dry-run"});
    EXPECT_EQ(j["dry_run"], true);
    EXPECT_EQ(j["changes"].size(), 2u);

    ASSERT_EQ(run({"apply", "-f", path}), 0) << err.str();
    EXPECT_EQ(fake.calls.size(), 2u);
    ASSERT_EQ(run({"apply", "-f", path}), 0);
    EXPECT_EQ(out.str(), "nothing to change\n");
}

// apply --check validates a file on a machine without the module: the kernel is never opened.
TEST_F(CommandsTest, ApplyCheckValidatesWithoutTheKernel)
{
    auto check = [this](const std::string& path, bool json) {
        out.str("");
        err.str("");
        Context ctx(
            out, err, []() -> std::unique_ptr<Backend> { throw std::runtime_error("no dlba.ko"); },
            []() -> std::unique_ptr<Monitor> { throw std::runtime_error("no /dev/dlba"); });
        std::vector<std::string> args = {"apply", "-f", path, "--check"};
        if (json)
            args.insert(args.begin(), "-j");
        return run_dlbactl(ctx, args);
    };
    std::string good = ::testing::TempDir() + "dlba_check_good.yaml";
    std::ofstream(good) << "services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n"
                           "      - {id: 1, addr: 10.0.1.1, method: tun}\n"
                           "      - {id: 2, addr: 10.0.1.2, method: tun}\n";
    ASSERT_EQ(check(good, false), 0) << err.str();
    EXPECT_EQ(out.str(), good + ": valid (1 services, 2 servers)\n");
    ASSERT_EQ(check(good, true), 0) << err.str();
    EXPECT_EQ(json::parse(out.str()), json::parse(R"({"valid":true,"services":1,"servers":2})"));

    std::string bad = ::testing::TempDir() + "dlba_check_bad.yaml";
    std::ofstream(bad) << "services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n"
                          "      - {id: 1, addr: 10.0.1.1, weight: -1}\n";
    EXPECT_EQ(check(bad, false), 1);
    EXPECT_THAT(err.str(), HasSubstr(bad + ":4:41: invalid weight '-1'"));
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(run({"apply", "-f", good, "--check", "--dry-run"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("--dry-run and --check exclude each other"));
}

TEST_F(CommandsTest, ApplyOfAnInvalidFileChangesNothing)
{
    populate();
    fake.calls.clear();
    std::string path = ::testing::TempDir() + "dlba_apply_bad.yaml";
    std::ofstream(path)
        << "services:\n"
           "  - service: 10.0.0.10:80/tcp\n"
           "    buckets: 16\n"
           "    servers:\n"
           "      - {id: 1, addr: 10.0.1.1, mac: \"02:00:00:00:01:01\", weight: 9}\n"
           "      - {id: 2, addr: 10.0.1.2, method: nat, weight: -1}\n";
    EXPECT_EQ(run({"apply", "-f", path}), 1);
    EXPECT_EQ(err.str(),
              path + ":6:54: invalid weight '-1': expected an unsigned integer\ndlbactl: " + path +
                  ": 1 error, nothing changed\n");
    EXPECT_THAT(fake.calls, IsEmpty());
    EXPECT_EQ(fake.state.at(parse_service("10.0.0.10:80/tcp")).servers.at(1).weight, 1u);
}

TEST_F(CommandsTest, ApplyReportsWhereAKernelErrorStoppedIt)
{
    std::string path = ::testing::TempDir() + "dlba_apply_fail.yaml";
    std::ofstream(path) << "services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n"
                           "      - {id: 1, addr: 10.0.1.1, method: tun}\n"
                           "      - {id: 2, addr: 10.0.1.2, method: tun}\n";
    fake.refuse("add_server 10.0.0.10:80/tcp 1", EINVAL, "server 1 refused by the test");
    EXPECT_EQ(run({"apply", "-f", path}), 1);
    EXPECT_EQ(out.str(),
              "add service 10.0.0.10:80/tcp (buckets 65536, timeout 300, mode forward)\n");
    EXPECT_EQ(
        err.str(),
        "dlbactl: apply stopped at 'add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, method tun, "
        "weight 1)' after 1 of 3 changes\ndlbactl: server 1 refused by the test: Invalid "
        "argument\n");
    // Stopped there: server 2 was never sent.
    EXPECT_THAT(fake.calls, ElementsAre("add_service 10.0.0.10:80/tcp"));
    EXPECT_THAT(fake.refused, ElementsAre("add_server 10.0.0.10:80/tcp 1"));
    EXPECT_EQ(std::count_if(fake.requests.begin(), fake.requests.end(),
                            [](const std::string& r) { return r.starts_with("add_server"); }),
              1);
}

TEST_F(CommandsTest, DumpUsesTheMonitorWithTheSameShapes)
{
    ServiceInfo s;
    s.key = parse_service("[fd00::10]:80/tcp");
    s.buckets = 16;
    s.timeout = 300;
    s.mode = DLBA_MODE_FORWARD;
    s.stats.packets = 9;
    monitor.svcs = {s};
    ServerInfo srv;
    srv.service = s.key;
    srv.id = 3;
    srv.addr = parse_address("fd00::1:3");
    srv.method = DLBA_FWD_TUN;
    srv.weight = 1;
    monitor.srvs = {srv};
    monitor.table.count = 16;
    monitor.table.version = 2;
    monitor.table.assign.assign(16, 3);
    monitor.table.idle_ms.assign(16, 5);

    json svcs = run_json({"-j", "dump", "services"});
    EXPECT_EQ(svcs[0]["family"], "inet6");
    EXPECT_EQ(svcs[0]["addr"], "fd00::10");
    EXPECT_EQ(svcs[0]["stats"], (json{{"packets", 9}}));
    json srvs = run_json({"-j", "dump", "servers", "[fd00::10]:80/tcp"});
    EXPECT_EQ(srvs[0]["service"], "[fd00::10]:80/tcp");
    EXPECT_EQ(srvs[0]["method"], "tun");
    json b = run_json({"-j", "dump", "buckets", "[fd00::10]:80/tcp"});
    EXPECT_EQ(b["count"], 16);
    EXPECT_EQ(b["buckets"][0], json::array({3, 5}));
    EXPECT_THAT(fake.calls, IsEmpty());
}

BucketChange change_of(const std::string& svc, uint32_t start, std::vector<uint32_t> ids,
                       uint64_t version)
{
    return BucketChange{parse_service(svc), version, 16, start, std::move(ids)};
}

TEST_F(CommandsTest, MonitorPrintsEachChangeAndTheLoss)
{
    populate();
    fake.events = {change_of("10.0.0.10:80/tcp", 3, {1, 0, 2}, 5), std::nullopt,
                   change_of("10.0.0.10:80/tcp", 9, {2}, 6)};
    ASSERT_EQ(run({"monitor"}), 0) << err.str();
    EXPECT_EQ(out.str(),
              "10.0.0.10:80/tcp version 5 buckets 3-5: 1 - 2\n"
              "lost: changes were dropped (receive buffer overrun); re-read the bucket tables\n"
              "10.0.0.10:80/tcp version 6 bucket 9: 2\n");
    ASSERT_EQ(run({"-j", "monitor"}), 0) << err.str();
    std::istringstream lines(out.str());
    std::string line;
    std::vector<json> docs;
    while (std::getline(lines, line))
        docs.push_back(json::parse(line));
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0], json::parse(R"({"service":"10.0.0.10:80/tcp","version":5,"count":16,)"
                                   R"("start":3,"assign":[1,0,2]})"));
    EXPECT_EQ(docs[1], json::parse(R"({"lost":true})"));
    EXPECT_EQ(docs[2]["start"], 9);
}

TEST_F(CommandsTest, MonitorOfOneServiceFiltersAndChecksIt)
{
    populate();
    ASSERT_EQ(run({"service", "add", "10.0.0.11:80/tcp"}), 0) << err.str();
    fake.events = {change_of("10.0.0.11:80/tcp", 0, {1}, 1),
                   change_of("10.0.0.10:80/tcp", 2, {2}, 7)};
    ASSERT_EQ(run({"monitor", "10.0.0.10:80/tcp"}), 0) << err.str();
    EXPECT_EQ(out.str(), "10.0.0.10:80/tcp version 7 bucket 2: 2\n");
    // An unknown service fails at once instead of printing nothing forever.
    EXPECT_EQ(run({"monitor", "10.0.0.99:80/tcp"}), 1);
    EXPECT_THAT(err.str(), HasSubstr("dlbactl:"));
    EXPECT_EQ(run({"monitor", "10.0.0.10:80/tcp", "10.0.0.11:80/tcp"}), 1);
}

TEST_F(CommandsTest, BucketsTouchOneServiceOrAll)
{
    populate();
    ASSERT_EQ(run({"buckets", "touch", "10.0.0.10:80/tcp"}), 0) << err.str();
    ASSERT_EQ(run({"buckets", "touch"}), 0) << err.str();
    EXPECT_THAT(fake.calls, Contains("touch_buckets 10.0.0.10:80/tcp"));
    EXPECT_THAT(fake.calls, Contains("touch_buckets all"));
    EXPECT_EQ(run({"buckets", "touch", "10.0.0.99:80/tcp"}), 1);
    EXPECT_EQ(run({"buckets", "touch", "not-a-service"}), 1);
}

} // namespace
} // namespace dlba::ctl
