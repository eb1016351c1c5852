// dlbactl buckets SVC [--summary] | buckets save SVC -o FILE | buckets load SVC -i FILE
//         | buckets touch [SVC]
#include "dlba/ctl/bucket_file.h"
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

#include <linux/dlba.h>

#include <boost/program_options.hpp>

#include <set>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

int buckets_show(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl buckets SVC [--summary]");
    cl.options()("summary",
                 "per server: buckets owned, their share, those active within the timeout");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    ServiceKey key = parse_service(cl.words()[0]);
    bool summary = cl.flag("summary");
    BucketTable table = ctx.backend().buckets(key, true);
    if (summary) {
        auto s = output::summarize(table, ctx.backend().service(key).timeout);
        if (ctx.json())
            output::print_json(ctx.out(), output::summary_json(key, s));
        else
            output::print_summary(ctx.out(), key, s);
    } else if (ctx.json()) {
        output::print_buckets_json(ctx.out(), key, table);
    } else {
        output::print_buckets(ctx.out(), key, table);
    }
    return 0;
}

int buckets_save(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl buckets save SVC -o FILE");
    cl.options()("output,o", po::value<std::string>()->value_name("FILE"),
                 "file to write (- = stdout)");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    auto path = cl.value("output");
    if (!path)
        throw UsageError("missing -o FILE\nusage: " + cl.usage());
    ServiceKey key = parse_service(cl.words()[0]);
    BucketTable table = ctx.backend().buckets(key, false);
    BucketFile file;
    file.service = format_service(key);
    file.version = table.version;
    file.hash_key = table.hash_key;
    file.assign = std::move(table.assign);
    if (*path == "-")
        ctx.out() << file.to_text();
    else
        file.save(*path);
    return 0;
}

int buckets_load(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl buckets load SVC -i FILE");
    cl.options()("input,i", po::value<std::string>()->value_name("FILE"),
                 "file to read (- = stdin)");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(1, 1, "SVC");
    auto path = cl.value("input");
    if (!path)
        throw UsageError("missing -i FILE\nusage: " + cl.usage());
    ServiceKey key = parse_service(cl.words()[0]);
    BucketFile file = BucketFile::load(*path);
    ServiceInfo svc = ctx.backend().service(key);
    if (svc.buckets != file.assign.size())
        throw ParseError(*path + ": holds " + std::to_string(file.assign.size()) + " buckets but " +
                         format_service(key) + " has " + std::to_string(svc.buckets));
    // The kernel checks the ids of each part it is sent, but a table goes in
    // several parts: one naming an unknown id would be refused only after
    // the parts before it were installed.  Check them all first.
    // Buckets mean nothing under another key: a client would land in a
    // different one here.  Refused before any part goes in (the kernel also
    // refuses each part whose key differs).
    if (file.hash_key && svc.hash_key && *file.hash_key != *svc.hash_key)
        throw ParseError(
            *path + ": the table was saved under another hash key than " + format_service(key) +
            "'s; create the service with the saved key (service add --hash-key, or a dlbactl "
            "save of the active scheduler); nothing loaded");
    std::set<uint32_t> ids;
    for (const auto& s : ctx.backend().servers(key))
        ids.insert(s.id);
    for (size_t i = 0; i < file.assign.size(); i++)
        if (file.assign[i] != DLBA_SERVER_NONE && !ids.count(file.assign[i]))
            throw ParseError(*path + ": bucket " + std::to_string(i) + " names server id " +
                             std::to_string(file.assign[i]) + ", which " + format_service(key) +
                             " does not have; nothing loaded");
    ctx.backend().set_buckets(key, file.assign, file.version, file.hash_key);
    return 0;
}

// The takeover step of WO 01/69890 "Scheduler Failover": every bucket of
// the service (of every service without one) counts as in use from now.
int buckets_touch(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl buckets touch [SVC]");
    if (!cl.parse(ctx, args))
        return 0;
    ctx.backend().touch_buckets(cl.optional_service());
    return 0;
}

} // namespace

int buckets_main(Context& ctx, const Args& args)
{
    const std::string word = args.empty() ? "" : args[0];
    if (word == "-h" || word == "--help" || word == "help") {
        print_synopsis(ctx.out(), "buckets");
        return 0;
    }
    if (word == "save")
        return buckets_save(ctx, Args(args.begin() + 1, args.end()));
    if (word == "load")
        return buckets_load(ctx, Args(args.begin() + 1, args.end()));
    if (word == "touch")
        return buckets_touch(ctx, Args(args.begin() + 1, args.end()));
    return buckets_show(ctx, args);
}

} // namespace dlba::ctl
