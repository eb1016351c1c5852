// dlbactl server add|set|del|list
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"
#include "dlba/nl/error.h"

#include <linux/dlba.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

uint32_t id_option(const CommandLine& cl)
{
    auto v = cl.value("id");
    if (!v)
        throw UsageError("missing --id\nusage: " + cl.usage());
    return static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "server id"));
}

// The server that set and del act on: --id ID, or the word after SVC, an id or the server's
// address (unique within a service), as an operator knows it: "server set SVC 10.0.1.2 --drain".
uint32_t server_selector(Context& ctx, const CommandLine& cl, const ServiceKey& key)
{
    const auto& words = cl.words();
    if (words.size() < 2)
        return id_option(cl);
    if (cl.value("id"))
        throw UsageError("the server is named twice (--id and '" + words[1] +
                         "')\nusage: " + cl.usage());
    const std::string& text = words[1];
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return static_cast<uint32_t>(parse_uint(text, UINT32_MAX, "server id"));
    const Address addr = parse_address(text);
    for (const auto& s : ctx.backend().servers(key))
        if (s.addr == addr)
            return s.id;
    throw nl::Error(ENOENT, "no server " + format_address(addr) + " in " + format_service(key));
}

// --a and --b (or their synonyms) exclude each other.
void exclusive(const CommandLine& cl, std::initializer_list<const char*> a,
               std::initializer_list<const char*> b)
{
    for (const char* x : a)
        for (const char* y : b)
            if (cl.flag(x) && cl.flag(y))
                throw UsageError(std::string("--") + x + " and --" + y + " exclude each other");
}

bool any_flag(const CommandLine& cl, std::initializer_list<const char*> names)
{
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return cl.flag(n); });
}

// --state S, which the older flags (kept as its aliases) must not contradict.
std::optional<ServerState> state_option(const CommandLine& cl,
                                        std::initializer_list<const char*> aliases)
{
    auto v = cl.value("state");
    if (!v)
        return std::nullopt;
    for (const char* a : aliases)
        if (cl.flag(a))
            throw UsageError(std::string("--state and --") + a + " exclude each other");
    return parse_server_state(*v);
}

int server_add(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl server add SVC --id ID --addr ADDR [--port P] [--mac MAC] [--weight W] "
                   "[--method dr|nat|tun] [--state ready|drain|maint]");
    cl.options()("id", po::value<std::string>()->value_name("ID"),
                 "server id within the service (1..65535)")(
        "addr", po::value<std::string>()->value_name("ADDR"),
        "server address (same family as the service)")(
        "port", po::value<std::string>()->value_name("P"),
        "nat: real port (default: the service port)")(
        "mac", po::value<std::string>()->value_name("MAC"),
        "dr: the server's MAC address (default, or \"auto\": the neighbour table's)")(
        "weight", po::value<std::string>()->value_name("W"),
        "weight 0..65535 (default 1)")("method", po::value<std::string>()->value_name("M"),
                                       "forwarding method dr|nat|tun (default dr)")(
        "state", po::value<std::string>()->value_name("S"),
        "ready (default), drain: no new buckets, or maint: no traffic (marked failed)")(
        "drain", "the same as --state drain (also --disabled)")(
        "disabled", "the same as --state drain")("failed", "the same as --state maint");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    ServiceKey key = parse_service(cl.words()[0]);
    ServerConfig c;
    c.id = id_option(cl);
    auto addr = cl.value("addr");
    if (!addr)
        throw UsageError("missing --addr\nusage: " + cl.usage());
    c.addr = parse_address(*addr);
    if (auto v = cl.value("port"))
        c.port = static_cast<uint16_t>(parse_uint(*v, 65535, "port"));
    if (auto v = cl.value("mac"); v && *v != "auto")
        c.mac = parse_mac(*v);
    if (auto v = cl.value("weight"))
        c.weight = static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "weight"));
    if (auto v = cl.value("method"))
        c.method = parse_method(*v);
    if (auto st = state_option(cl, {"drain", "disabled", "failed"})) {
        auto f = server_flags(*st);
        c.enabled = f.enabled;
        c.failed = f.failed;
    } else {
        c.enabled = !any_flag(cl, {"drain", "disabled"});
        c.failed = cl.flag("failed");
    }
    ctx.backend().add_server(key, c);
    return 0;
}

// dlba.ko keeps a server's address, port, MAC and method for its life (they
// key the nat reply lookup and the transmit path).  "server set --addr/
// --port/--mac" therefore re-creates the server with the same id, weight
// and state: its buckets are reset like a failure's, so only its own
// clients move.  The new values are checked first so that the delete is
// only done when the add will be accepted, and if the add still fails the
// old server is put back.
void recreate_server(Backend& backend, const ServiceKey& key, const ServerChange& change,
                     const std::optional<Address>& addr, const std::optional<uint16_t>& port,
                     const std::optional<Mac>& mac)
{
    std::optional<ServerInfo> cur;
    for (const auto& s : backend.servers(key))
        if (s.id == change.id)
            cur = s;
    if (!cur)
        throw nl::Error(ENOENT, "no such server");

    ServerConfig old;
    old.id = cur->id;
    old.addr = cur->addr;
    old.method = cur->method;
    if (cur->method == DLBA_FWD_NAT)
        old.port = cur->port;
    if (cur->method == DLBA_FWD_DR)
        old.mac = cur->mac;
    old.weight = cur->weight;
    old.enabled = cur->enabled;
    old.failed = cur->failed;

    ServerConfig next = old;
    if (addr) {
        if (addr->family != key.addr.family)
            throw ParseError("server address " + format_address(*addr) + " is " +
                             family_name(addr->family) + " but the service is " +
                             family_name(key.addr.family));
        next.addr = *addr;
    }
    if (port) {
        if (cur->method != DLBA_FWD_NAT)
            throw ParseError("--port: only nat servers take a port (server " +
                             std::to_string(cur->id) + " is " + method_name(cur->method) + ")");
        next.port = *port;
    }
    if (mac) {
        if (cur->method != DLBA_FWD_DR)
            throw ParseError("--mac: only dr servers take a MAC address (server " +
                             std::to_string(cur->id) + " is " + method_name(cur->method) + ")");
        // All zeros: "auto", resolve it through the neighbour table.
        if (std::all_of(mac->begin(), mac->end(), [](uint8_t b) { return b == 0; })) {
            next.mac.reset();
        } else {
            if (auto msg = check_unicast_mac(*mac); !msg.empty())
                throw ParseError(msg);
            next.mac = *mac;
        }
    }
    if (change.weight)
        next.weight = *change.weight;
    if (change.enabled)
        next.enabled = *change.enabled;
    if (change.failed)
        next.failed = *change.failed;

    backend.del_server(key, old.id);
    try {
        backend.add_server(key, next);
    } catch (...) {
        try {
            backend.add_server(key, old);
        } catch (const std::exception&) {
            // The original error below says what went wrong first.
        }
        throw;
    }
}

int server_set(Context& ctx, const Args& args)
{
    CommandLine cl(
        "dlbactl server set SVC ID|ADDR|--id ID [--weight W] [--state ready|drain|maint] "
        "[--mac MAC] [--addr ADDR] [--port P]");
    cl.options()("id", po::value<std::string>()->value_name("ID"), "server id")(
        "weight", po::value<std::string>()->value_name("W"), "new weight 0..65535")(
        "state", po::value<std::string>()->value_name("S"),
        "ready: takes new buckets; drain: keeps its active buckets and their clients, takes no "
        "new ones; maint: marked failed, its buckets are reset at once")(
        "drain", "the same as --state drain, but leaves a failed mark (also --disable)")(
        "ready", "clear drain, leave a failed mark (also --enable)")(
        "disable", "the same as --drain")("enable", "the same as --ready")(
        "fail", "set the failed mark: its buckets are reset at once")("unfail",
                                                                      "clear the failed mark")(
        "mac", po::value<std::string>()->value_name("MAC"),
        "new MAC, or \"auto\" for the neighbour table's (dr; re-creates the server)")(
        "addr", po::value<std::string>()->value_name("ADDR"),
        "new address (re-creates the server)")("port", po::value<std::string>()->value_name("P"),
                                               "new real port (nat; re-creates the server)");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 2, "SVC");
    exclusive(cl, {"ready", "enable"}, {"drain", "disable"});
    exclusive(cl, {"fail"}, {"unfail"});
    ServiceKey key = parse_service(cl.words()[0]);
    ServerChange c;
    c.id = server_selector(ctx, cl, key);
    if (auto v = cl.value("weight"))
        c.weight = static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "weight"));
    if (auto st = state_option(cl, {"ready", "enable", "drain", "disable", "fail", "unfail"})) {
        auto f = server_flags(*st);
        c.enabled = f.enabled;
        c.failed = f.failed;
    }
    if (any_flag(cl, {"ready", "enable", "drain", "disable"}))
        c.enabled = any_flag(cl, {"ready", "enable"});
    if (cl.flag("fail") || cl.flag("unfail"))
        c.failed = cl.flag("fail");
    std::optional<Address> addr;
    std::optional<uint16_t> port;
    std::optional<Mac> mac;
    if (auto v = cl.value("addr"))
        addr = parse_address(*v);
    if (auto v = cl.value("port"))
        port = static_cast<uint16_t>(parse_uint(*v, 65535, "port"));
    if (auto v = cl.value("mac"))
        mac = *v == "auto" ? Mac{} : parse_mac(*v);
    if (addr || port || mac)
        recreate_server(ctx.backend(), key, c, addr, port, mac);
    else if (c.empty())
        throw UsageError("nothing to change\nusage: " + cl.usage());
    else
        ctx.backend().set_server(key, c);
    return 0;
}

int server_del(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl server del SVC ID|ADDR|--id ID");
    cl.options()("id", po::value<std::string>()->value_name("ID"), "server id");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 2, "SVC");
    ServiceKey key = parse_service(cl.words()[0]);
    ctx.backend().del_server(key, server_selector(ctx, cl, key));
    return 0;
}

int server_list(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl server list [SVC]");
    if (!cl.parse(ctx, args))
        return 0;
    auto key = cl.optional_service();
    output::show_servers(ctx.out(), ctx.json(), ctx.backend().servers(key), key);
    return 0;
}

} // namespace

int server_main(Context& ctx, const Args& args)
{
    const std::string word = args.empty() ? "" : args[0];
    Args rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (word == "-h" || word == "--help" || word == "help") {
        print_synopsis(ctx.out(), "server");
        return 0;
    }
    if (word == "add")
        return server_add(ctx, rest);
    if (word == "set")
        return server_set(ctx, rest);
    if (word == "del" || word == "delete")
        return server_del(ctx, rest);
    if (word == "list" || word == "show")
        return server_list(ctx, rest);
    throw UsageError((word.empty() ? std::string("missing server command")
                                   : "unknown server command '" + word + "'") +
                     " (add, set, del or list)");
}

} // namespace dlba::ctl
