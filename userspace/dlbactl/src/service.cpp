// dlbactl service add|set|del|list
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

int service_add(Context& ctx, const Args& args)
{
    CommandLine cl(
        "dlbactl service add SVC [--buckets N] [--timeout SEC] [--mode forward] [--hash-key HEX]");
    cl.options()("buckets", po::value<std::string>()->value_name("N"),
                 "client hash buckets (power of two, default 65536)")(
        "timeout", po::value<std::string>()->value_name("SEC"),
        "bucket idle timeout in seconds (default 300)")(
        "mode", po::value<std::string>()->value_name("MODE"), "service mode (default forward)")(
        "hash-key", po::value<std::string>()->value_name("HEX"),
        "client hash key, 32 hex digits (default random; give a standby the active one's)");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    ServiceConfig c;
    c.key = parse_service(cl.words()[0]);
    if (auto v = cl.value("buckets"))
        c.buckets = static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "bucket count"));
    if (auto v = cl.value("timeout"))
        c.timeout = static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "timeout"));
    if (auto v = cl.value("mode"))
        c.mode = parse_mode(*v);
    if (auto v = cl.value("hash-key"))
        c.hash_key = parse_hash_key(*v);
    ctx.backend().add_service(c);
    return 0;
}

int service_set(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl service set SVC [--timeout SEC]");
    cl.options()("timeout", po::value<std::string>()->value_name("SEC"),
                 "bucket idle timeout in seconds");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    ServiceChange c;
    c.key = parse_service(cl.words()[0]);
    if (auto v = cl.value("timeout"))
        c.timeout = static_cast<uint32_t>(parse_uint(*v, UINT32_MAX, "timeout"));
    if (!c.timeout)
        throw UsageError("nothing to change\nusage: " + cl.usage());
    ctx.backend().set_service(c);
    return 0;
}

int service_del(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl service del SVC");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    ctx.backend().del_service(parse_service(cl.words()[0]));
    return 0;
}

int service_list(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl service list [SVC]");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(0, 1, "SVC");
    std::vector<ServiceInfo> services;
    if (cl.words().empty())
        services = ctx.backend().services();
    else
        services.push_back(ctx.backend().service(parse_service(cl.words()[0])));
    output::show_services(ctx.out(), ctx.json(), services);
    return 0;
}

} // namespace

int service_main(Context& ctx, const Args& args)
{
    const std::string word = args.empty() ? "" : args[0];
    Args rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (word == "-h" || word == "--help" || word == "help") {
        print_synopsis(ctx.out(), "service");
        return 0;
    }
    if (word == "add")
        return service_add(ctx, rest);
    if (word == "set")
        return service_set(ctx, rest);
    if (word == "del" || word == "delete")
        return service_del(ctx, rest);
    if (word == "list" || word == "show")
        return service_list(ctx, rest);
    throw UsageError((word.empty() ? std::string("missing service command")
                                   : "unknown service command '" + word + "'") +
                     " (add, set, del or list)");
}

} // namespace dlba::ctl
