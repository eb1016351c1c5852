// dlbactl dump services | servers SVC | buckets SVC   (through /dev/dlba)
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

namespace dlba::ctl {

int dump_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl dump services | servers SVC | buckets SVC");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 2, "table name (services, servers or buckets)");
    const auto& words = cl.words();
    const std::string& table = words[0];
    if (table == "services") {
        cl.expect_words(1, 1, "");
        output::show_services(ctx.out(), ctx.json(), ctx.monitor().services());
        return 0;
    }
    if (table != "servers" && table != "buckets")
        throw UsageError("unknown table '" + table +
                         "' (services, servers or buckets)\nusage: " + cl.usage());
    cl.expect_words(2, 2, "SVC");
    ServiceKey key = parse_service(words[1]);
    if (table == "servers") {
        output::show_servers(ctx.out(), ctx.json(), ctx.monitor().servers(key), key);
        return 0;
    }
    BucketTable t = ctx.monitor().buckets(key);
    if (ctx.json())
        output::print_buckets_json(ctx.out(), key, t);
    else
        output::print_buckets(ctx.out(), key, t);
    return 0;
}

} // namespace dlba::ctl
