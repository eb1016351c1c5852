// The admin socket (dlbad(8) ADMIN SOCKET): command parsing, the admin: configuration, runtime
// changes over reloads, and the commands run against a real Runtime.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "admin/admin_api.h"
#include "admin/admin_command.h"
#include "admin/server_overrides.h"
#include "config/config_loader.h"
#include "monitor/stats_registry.h"
#include "process/runtime.h"
#include <dlba/config/error.h>

namespace dlba::dlbad {
namespace {

using Kind = AdminCommand::Kind;

AdminCommand ok(std::string_view line)
{
    auto p = AdminCommandParser::parse(line);
    EXPECT_TRUE(p.command) << line << ": " << p.error;
    EXPECT_EQ(p.error, "");
    return p.command.value_or(AdminCommand{});
}

std::string bad(std::string_view line)
{
    auto p = AdminCommandParser::parse(line);
    EXPECT_FALSE(p.command) << line;
    EXPECT_NE(p.error, "") << line;
    return p.error;
}

TEST(AdminCommandParser, Commands)
{
    EXPECT_EQ(ok("help").kind, Kind::Help);
    EXPECT_EQ(ok("quit").kind, Kind::Quit);
    EXPECT_EQ(ok("show info").kind, Kind::ShowInfo);
    auto c = ok("  show\tservers  ");
    EXPECT_EQ(c.kind, Kind::ShowServers);
    EXPECT_EQ(c.group, "");
    EXPECT_FALSE(c.json);
    c = ok("show servers web json\r");
    EXPECT_EQ(c.group, "web");
    EXPECT_TRUE(c.json);
    c = ok("show servers json");
    EXPECT_EQ(c.group, "");
    EXPECT_TRUE(c.json);
    c = ok("set server web/2 state drain");
    EXPECT_EQ(c.kind, Kind::SetState);
    EXPECT_EQ(c.group, "web");
    EXPECT_EQ(c.server, "2");
    EXPECT_EQ(c.state, AdminState::Drain);
    EXPECT_EQ(ok("set server web/2 state maint").state, AdminState::Maint);
    EXPECT_EQ(ok("set server web/2 state ready").state, AdminState::Ready);
    c = ok("set server shop/10.0.1.2:8080 weight 0");
    EXPECT_EQ(c.kind, Kind::SetWeight);
    EXPECT_EQ(c.server, "10.0.1.2:8080");
    EXPECT_EQ(c.weight, 0u);
    EXPECT_EQ(ok("set server a/[fd00::1]:80 weight 256").weight, 256u);
}

TEST(AdminCommandParser, BlankLinesAreNothing)
{
    for (auto line : {"", " ", "\t \r"}) {
        auto p = AdminCommandParser::parse(line);
        EXPECT_FALSE(p.command);
        EXPECT_EQ(p.error, "");
    }
}

TEST(AdminCommandParser, Errors)
{
    EXPECT_EQ(bad("shwo info"), "unknown command 'shwo' (did you mean 'show'?) (try 'help')");
    EXPECT_EQ(bad("show"), "'show' needs what: info or servers (try 'help')");
    EXPECT_EQ(bad("show server"),
              "unknown 'show' object 'server' (did you mean 'servers'?) (try 'help')");
    EXPECT_EQ(bad("show info now"), "'show info' takes no argument");
    EXPECT_EQ(bad("show servers a b"), "usage: show servers [NAME] [json]");
    EXPECT_EQ(bad("set server web/1 state drian"),
              "unknown state 'drian' (did you mean 'drain'?) (try 'help')");
    EXPECT_EQ(bad("set server web/1 state disabled"), "unknown state 'disabled' (try 'help')");
    EXPECT_EQ(bad("set server web/1 weight 257"), "bad weight '257' (an integer from 0 to 256)");
    EXPECT_EQ(bad("set server web/1 weight -1"), "bad weight '-1' (an integer from 0 to 256)");
    EXPECT_EQ(bad("set server web/1 weight 1x"), "bad weight '1x' (an integer from 0 to 256)");
    EXPECT_EQ(bad("set server web/1 weight 99999999999"),
              "bad weight '99999999999' (an integer from 0 to 256)");
    EXPECT_EQ(bad("set server web/1 wieght 2"),
              "unknown server setting 'wieght' (did you mean 'weight'?) (try 'help')");
    EXPECT_NE(bad("set server web state drain").find("GROUP/SERVER"), std::string::npos);
    EXPECT_NE(bad("set server /1 state drain").find("GROUP/SERVER"), std::string::npos);
    EXPECT_NE(bad("set server web/ state drain").find("GROUP/SERVER"), std::string::npos);
    EXPECT_NE(bad("set server web/1 state").find("usage"), std::string::npos);
    EXPECT_NE(bad("set server web/1 state drain now").find("usage"), std::string::npos);
    EXPECT_NE(bad("set").find("usage"), std::string::npos);
    EXPECT_NE(bad("set weight").find("unknown 'set' object"), std::string::npos);
    EXPECT_NE(bad(std::string(AdminCommandParser::kMaxLine + 1, 'x')).find("too long"),
              std::string::npos);
}

TEST(AdminCommandParser, ErrorsShowNoControlBytesAndStayShort)
{
    auto e = bad(std::string("\x1b[2J") + std::string(500, 'a'));
    EXPECT_EQ(e.find('\x1b'), std::string::npos);
    EXPECT_LT(e.size(), 200u);
}

constexpr const char* kConf = R"(backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.1:8001}
      - {key: 2, addr: 127.0.0.1:8002, weight: 3}
      - {key: 3, addr: 127.0.0.1:8003, enabled: false}
  other:
    servers:
      - {key: 1, addr: 127.0.0.1:9001}
services:
  - {name: front, listen: "127.0.0.1:8080", backend: web}
  - {name: side, listen: "127.0.0.1:8081", backend: other}
)";

TEST(AdminConfig, Parsed)
{
    auto c = ConfigLoader::load_string(kConf, "t.conf");
    EXPECT_EQ(c.admin.unix_socket, "");
    c = ConfigLoader::load_string(std::string("admin: {unix: /run/dlbad/admin.sock}\n") + kConf,
                                  "t.conf");
    EXPECT_EQ(c.admin.unix_socket, "/run/dlbad/admin.sock");
    EXPECT_EQ(c.admin.mode, 0600u);
    EXPECT_FALSE(c.admin.gid);
    c = ConfigLoader::load_string(
        std::string("admin: {unix: /tmp/a.sock, mode: 0660, group: 0}\n") + kConf, "t.conf");
    EXPECT_EQ(c.admin.mode, 0660u);
    EXPECT_EQ(c.admin.gid, 0u);
    c = ConfigLoader::load_string(std::string("admin: {unix: /tmp/a.sock, mode: '640'}\n") + kConf,
                                  "t.conf");
    EXPECT_EQ(c.admin.mode, 0640u);
}

std::vector<std::string> errors(const std::string& yaml)
{
    try {
        ConfigLoader::load_string(yaml, "t.conf");
    } catch (const config::ConfigError& e) {
        return e.errors();
    }
    return {};
}

TEST(AdminConfig, ErrorsNameTheLine)
{
    EXPECT_EQ(
        errors(std::string("admin: {unix: /tmp/a.sock, mdoe: 0600}\n") + kConf),
        std::vector<std::string>{"t.conf:1:28: unknown key 'mdoe' in admin, did you mean 'mode'?"});
    EXPECT_EQ(errors(std::string("admin: {unix: /tmp/a.sock, mode: 0800}\n") + kConf),
              std::vector<std::string>{
                  "t.conf:1:34: admin.mode: '0800' is not an octal mode from 0 to 0777"});
    EXPECT_EQ(errors(std::string("admin: {unix: /tmp/a.sock, mode: 01777}\n") + kConf).size(), 1u);
    EXPECT_EQ(
        errors(std::string("admin: {mode: 0600}\n") + kConf),
        std::vector<std::string>{"t.conf:1:8: admin: 'unix' (the socket's path) is required"});
    EXPECT_EQ(
        errors(std::string("admin: {unix: /tmp/a.sock, group: no-such-group-dlbad}\n") + kConf),
        std::vector<std::string>{"t.conf:1:35: admin.group: unknown group 'no-such-group-dlbad'"});
    EXPECT_EQ(errors(std::string("admin: {unix: /") + std::string(120, 'a') + "}\n" + kConf).size(),
              1u);
    EXPECT_EQ(
        errors(std::string("admin: {unix: admin.sock}\n") + kConf),
        std::vector<std::string>{"t.conf:1:15: admin.unix: 'admin.sock' is not an absolute path"});
    EXPECT_EQ(errors(std::string("amdin: {unix: /tmp/a.sock}\n") + kConf),
              std::vector<std::string>{"t.conf:1:1: unknown key 'amdin' in the configuration, "
                                       "did you mean 'admin'?"});
}

TEST(ServerOverrides, ApplyAndBackToTheFile)
{
    auto file = ConfigLoader::load_string(kConf, "t.conf");
    ServerOverrides o;
    o.set_state(file, {"web", 1}, AdminState::Maint);
    o.set_weight(file, {"web", 2}, 7);
    o.set_state(file, {"web", 3}, AdminState::Drain); // as the file says: no change
    o.set_state(file, {"nope", 1}, AdminState::Drain);
    EXPECT_EQ(o.size(), 2u);
    auto c = o.apply(file);
    EXPECT_EQ(server_state(*find_server(c, "web", 1)), AdminState::Maint);
    EXPECT_FALSE(find_server(c, "web", 1)->enabled);
    EXPECT_EQ(find_server(c, "web", 2)->weight, 7u);
    EXPECT_EQ(server_state(*find_server(c, "web", 3)), AdminState::Drain);
    EXPECT_EQ(server_state(*find_server(c, "other", 1)), AdminState::Ready);
    o.set_state(file, {"web", 1}, AdminState::Ready);
    o.set_weight(file, {"web", 2}, 3);
    EXPECT_EQ(o.size(), 0u);
}

TEST(ServerOverrides, ReloadKeepsChangesUnlessTheFileChangedThatSetting)
{
    auto file = ConfigLoader::load_string(kConf, "t.conf");
    ServerOverrides o;
    o.set_state(file, {"web", 1}, AdminState::Drain);
    o.set_weight(file, {"web", 1}, 5);
    o.set_weight(file, {"web", 2}, 9);
    o.set_state(file, {"other", 1}, AdminState::Maint);
    // The same file: everything kept.
    EXPECT_TRUE(o.rebase(file, file).empty());
    EXPECT_EQ(o.size(), 3u);
    // web/2's weight edited, other/1 removed.
    std::string edited = kConf;
    const std::string gone = "{key: 1, addr: 127.0.0.1:9001}";
    edited.replace(edited.find("weight: 3"), 9, "weight: 4");
    edited.replace(edited.find(gone), gone.size(), "{key: 2, addr: 127.0.0.1:9002}");
    auto next = ConfigLoader::load_string(edited, "t.conf");
    auto dropped = o.rebase(file, next);
    ASSERT_EQ(dropped.size(), 2u);
    EXPECT_EQ(dropped[0], "other/1: no longer configured, its runtime change is dropped");
    EXPECT_EQ(dropped[1], "web/2: weight 9 dropped, the file now says 4");
    EXPECT_EQ(o.size(), 1u);
    auto c = o.apply(next);
    EXPECT_EQ(server_state(*find_server(c, "web", 1)), AdminState::Drain);
    EXPECT_EQ(find_server(c, "web", 1)->weight, 5u);
    EXPECT_EQ(find_server(c, "web", 2)->weight, 4u);
}

// A daemon stand-in: publishing = building the next Runtime, as Daemon does.
struct Host : AdminHost {
    Host()
        : file(ConfigLoader::load_string(kConf, "t.conf")),
          current(std::make_shared<Runtime>(file, 1, 2, secrets, registry))
    {}
    [[nodiscard]] const Runtime& runtime() const override { return *current; }
    [[nodiscard]] const Config& file_config() const override { return file; }
    [[nodiscard]] const ServerOverrides& overrides() const override { return changes; }
    [[nodiscard]] AdminInfo info() const override { return {42, 90061.5, 2, 7}; }
    void apply_overrides(ServerOverrides next) override
    {
        if (fail)
            throw std::runtime_error("cannot build");
        current = std::make_shared<Runtime>(next.apply(file), current->generation() + 1, 2, secrets,
                                            registry);
        changes = std::move(next);
    }
    StatsRegistry registry;
    Secrets secrets = Secrets::random();
    Config file;
    std::shared_ptr<Runtime> current;
    ServerOverrides changes;
    bool fail = false;
};

TEST(AdminApi, ShowInfo)
{
    Host h;
    AdminApi api(h);
    auto a = api.execute("show info");
    EXPECT_FALSE(a.close);
    EXPECT_NE(a.text.find("Name: dlbad\nVersion: "), std::string::npos) << a.text;
    EXPECT_NE(a.text.find("Pid: 42\nUptime: 1d 01h01m01s\nUptime_sec: 90061\nGeneration: 1\n"),
              std::string::npos)
        << a.text;
    EXPECT_NE(a.text.find("Servers: 4\nRuntime_changes: 0\n\n"), std::string::npos) << a.text;
    EXPECT_TRUE(a.text.ends_with("\n\n"));
}

TEST(AdminApi, ShowServers)
{
    Host h;
    AdminApi api(h);
    auto a = api.execute("show servers front");
    EXPECT_EQ(a.text, "# backend key address state weight source failed active_requests "
                      "open_connections hits\n"
                      "web 1 127.0.0.1:8001 ready 1 file 0 0 0 0\n"
                      "web 2 127.0.0.1:8002 ready 3 file 0 0 0 0\n"
                      "web 3 127.0.0.1:8003 drain 1 file 0 0 0 0\n\n");
    a = api.execute("show servers json");
    auto j = nlohmann::json::parse(a.text);
    ASSERT_EQ(j.size(), 4u);
    EXPECT_EQ(j[3]["backend"], "other");
    EXPECT_EQ(j[3]["state"], "ready");
    EXPECT_EQ(api.execute("show servers nope").text, "error: no backend or service 'nope'\n\n");
}

TEST(AdminApi, SetPublishesANewGeneration)
{
    Host h;
    AdminApi api(h);
    EXPECT_EQ(api.execute("set server web/2 state maint").text, "\n");
    EXPECT_EQ(h.runtime().generation(), 2u);
    EXPECT_EQ(api.execute("set server front/127.0.0.1:8001 weight 4").text, "\n");
    EXPECT_EQ(h.runtime().generation(), 3u);
    const auto& servers = h.runtime().pools()[0]->servers();
    EXPECT_EQ(server_state(servers[1].config()), AdminState::Maint);
    EXPECT_FALSE(servers[1].candidate(Backend::Clock::now(), true)); // not even for sessions
    EXPECT_EQ(servers[0].config().weight, 4u);
    // Already so: no new generation.
    EXPECT_EQ(api.execute("set server web/1 weight 4").text, "\n");
    EXPECT_EQ(h.runtime().generation(), 3u);
    auto table = api.execute("show servers web").text;
    EXPECT_NE(table.find("web 1 127.0.0.1:8001 ready 4 admin"), std::string::npos) << table;
    EXPECT_NE(table.find("web 2 127.0.0.1:8002 maint 3 admin"), std::string::npos) << table;
    // Drain keeps sessions (candidate when persistent), as enabled: false does.
    EXPECT_EQ(api.execute("set server web/2 state drain").text, "\n");
    const auto& after = h.runtime().pools()[0]->servers();
    EXPECT_FALSE(after[1].candidate(Backend::Clock::now(), false));
    EXPECT_TRUE(after[1].candidate(Backend::Clock::now(), true));
}

TEST(AdminApi, BadInputChangesNothing)
{
    Host h;
    AdminApi api(h);
    EXPECT_EQ(api.execute("set server nope/1 state drain").text,
              "error: no backend or service 'nope'\n\n");
    EXPECT_EQ(api.execute("set server web/9 state drain").text,
              "error: backend 'web' has no server '9' (a key or address:port)\n\n");
    EXPECT_EQ(api.execute("set server web/1 weight 300").text,
              "error: bad weight '300' (an integer from 0 to 256)\n\n");
    EXPECT_EQ(api.execute("frobnicate").text,
              "error: unknown command 'frobnicate' (try 'help')\n\n");
    h.fail = true;
    EXPECT_EQ(api.execute("set server web/1 state drain").text,
              "error: not applied: cannot build\n\n");
    EXPECT_EQ(h.runtime().generation(), 1u);
    EXPECT_EQ(h.overrides().size(), 0u);
    EXPECT_EQ(api.execute("").text, "");
    EXPECT_TRUE(api.execute("quit").close);
    EXPECT_NE(api.execute("help").text.find("set server GROUP/SERVER state"), std::string::npos);
}

} // namespace
} // namespace dlba::dlbad
