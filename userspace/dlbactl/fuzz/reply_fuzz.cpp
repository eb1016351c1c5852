// libFuzzer target: bytes from the kernel as dlbactl parses them (netlink
// acks with extack TLVs, and service, server, bucket and stats replies).
// Anything may be rejected with nl::Error; nothing may crash, hang or
// allocate without bound.
#include "dlba/ctl/bucket_assembler.h"
#include "dlba/ctl/codec.h"
#include "dlba/nl/ack.h"
#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <cstdint>
#include <cstring>
#include <vector>

using namespace dlba;

namespace {

template <typename F>
void guarded(F&& f)
{
    try {
        f();
    } catch (const nl::Error&) {}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    // Netlink messages are 4-byte aligned in the receive buffer.
    std::vector<uint32_t> buf(size / 4 + 1);
    std::memcpy(buf.data(), data, size);
    int len = static_cast<int>(size);
    ctl::ServiceKey fallback;
    fallback.addr.family = AF_INET;
    ctl::BucketAssembler parts(true);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); nl::message_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
        if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
            guarded([&] {
                auto ack = nl::parse_ack(nlh);
                if (ack.offset)
                    (void)ctl::codec::attribute_name(
                        nl::attribute_path(nlh, GENL_HDRLEN, *ack.offset));
            });
            continue;
        }
        guarded([&] { (void)ctl::codec::parse_service(nlh); });
        guarded([&] { (void)ctl::codec::parse_server(nlh, fallback); });
        guarded([&] { (void)ctl::codec::parse_global_stats(nlh); });
        guarded([&] { parts.add(ctl::codec::parse_buckets(nlh)); });
        guarded([&] { (void)ctl::codec::parse_bucket_change(nlh); });
        guarded(
            [&] { (void)nl::attribute_path(nlh, GENL_HDRLEN, static_cast<uint32_t>(size / 2)); });
    }
    guarded([&] { (void)parts.finish(); });
    return 0;
}
