// The generic netlink layer: message builder, attribute parser, ack parser.
#include "dlba/nl/ack.h"
#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"
#include "dlba/nl/message.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace dlba::nl {
namespace {

TEST(Message, HeaderAndAttributesRoundTrip)
{
    Message msg(0x1234, 7, 1);
    msg.put_u8(1, 0xab).put_u16(2, 0xbeef).put_u32(3, 0xdeadbeef).put_u64(4, 0x0123456789abcdefULL);
    const uint8_t raw[] = {1, 2, 3, 4, 5};
    msg.put_bytes(5, raw).put_str(6, "dlba");
    nlattr* nest = msg.begin_nest(7);
    msg.put_u32(1, 42);
    msg.end_nest(nest);

    const nlmsghdr* nlh = msg.header();
    EXPECT_EQ(nlh->nlmsg_type, 0x1234);
    EXPECT_EQ(nlh->nlmsg_len, msg.size());
    auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(nlh));
    EXPECT_EQ(genl->cmd, 7);
    EXPECT_EQ(genl->version, 1);

    auto a = Attrs::parse(nlh, GENL_HDRLEN, 10);
    EXPECT_EQ(a.u8(1), 0xab);
    EXPECT_EQ(a.u16(2), 0xbeef);
    EXPECT_EQ(a.u32(3), 0xdeadbeefu);
    EXPECT_EQ(a.u64(4), 0x0123456789abcdefULL);
    auto b = a.bytes(5);
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.end()), std::vector<uint8_t>(raw, raw + 5));
    EXPECT_EQ(a.str(6), "dlba");
    EXPECT_FALSE(a.has(8));
    EXPECT_EQ(a.opt_u32(8), std::nullopt);
    // The kernel's strict validation needs NLA_F_NESTED on nests.
    EXPECT_TRUE(a.get(7)->nla_type & NLA_F_NESTED);
    EXPECT_EQ(a.nest(7, 3).u32(1), 42u);
}

TEST(Message, OverflowIsAnErrorNotACorruption)
{
    Message msg(0x20, 1, 1, 64);
    std::vector<uint8_t> big(100, 0);
    try {
        msg.put_bytes(1, big);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), EMSGSIZE);
    }
    EXPECT_EQ(msg.size(), MNL_NLMSG_HDRLEN + GENL_HDRLEN);
}

TEST(Attrs, WrongSizeAndMissingAreProtocolErrors)
{
    Message msg(0x20, 1, 1);
    msg.put_u16(1, 5);
    auto a = Attrs::parse(msg.header(), GENL_HDRLEN, 4);
    EXPECT_EQ(a.u16(1), 5);
    try {
        (void)a.u32(1);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), EPROTO);
        EXPECT_NE(std::string(e.what()).find("length 2, expected 4"), std::string::npos);
    }
    EXPECT_THROW((void)a.u8(2), Error);
    EXPECT_THROW((void)a.opt_u64(1), Error);
}

TEST(Attrs, UnknownTypesAboveMaxAreIgnored)
{
    Message msg(0x20, 1, 1);
    msg.put_u32(9, 1).put_u32(2, 7);
    auto a = Attrs::parse(msg.header(), GENL_HDRLEN, 3);
    EXPECT_FALSE(a.has(9));
    EXPECT_EQ(a.u32(2), 7u);
}

TEST(Attrs, TruncatedAttributeIsRejected)
{
    // An attribute that claims 16 bytes in an 8-byte area.
    alignas(4) uint8_t buf[8] = {};
    nlattr attr{16, 1};
    std::memcpy(buf, &attr, sizeof(attr));
    try {
        (void)Attrs::parse_payload(buf, sizeof(buf), 4);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), EPROTO);
    }
}

// Builds the NLMSGERR the kernel sends back for 'request', with extack
// TLVs, as netlink_ack() lays it out.
std::vector<std::byte> crafted_error(const nlmsghdr* request, int error, const char* msg,
                                     bool capped, std::optional<uint32_t> offset = {})
{
    std::vector<std::byte> buf(4096);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (msg ? NLM_F_ACK_TLVS : 0);
    auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
    err->error = error;
    err->msg = *request;
    if (!capped) {
        size_t body = request->nlmsg_len - sizeof(nlmsghdr);
        void* echo = mnl_nlmsg_put_extra_header(nlh, body);
        std::memcpy(echo, reinterpret_cast<const char*>(request) + sizeof(nlmsghdr), body);
    }
    if (msg)
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
    if (offset)
        mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, *offset);
    buf.resize(nlh->nlmsg_len);
    return buf;
}

TEST(Ack, ExtackMessageCapped)
{
    Message req(0x20, 1, 1);
    req.put_u32(1, 3);
    auto buf =
        crafted_error(req.header(), -EINVAL, "bucket count must be a power of two", true, 24);
    Ack ack = parse_ack(reinterpret_cast<const nlmsghdr*>(buf.data()));
    EXPECT_EQ(ack.error, EINVAL);
    EXPECT_EQ(ack.message, "bucket count must be a power of two");
    EXPECT_EQ(ack.offset, 24u);
}

TEST(Ack, ExtackMessageAfterEchoedRequest)
{
    Message req(0x20, 1, 1);
    req.put_u32(1, 3).put_str(2, "xyz");
    auto buf = crafted_error(req.header(), -ENOENT, "unknown service", false);
    Ack ack = parse_ack(reinterpret_cast<const nlmsghdr*>(buf.data()));
    EXPECT_EQ(ack.error, ENOENT);
    EXPECT_EQ(ack.message, "unknown service");
}

TEST(Ack, PlainErrorAndSuccess)
{
    Message req(0x20, 1, 1);
    auto buf = crafted_error(req.header(), -EPERM, nullptr, true);
    Ack ack = parse_ack(reinterpret_cast<const nlmsghdr*>(buf.data()));
    EXPECT_EQ(ack.error, EPERM);
    EXPECT_EQ(ack.message, "");
    Error e(ack.error, ack.message);
    EXPECT_STREQ(e.what(), "Operation not permitted");

    auto ok = crafted_error(req.header(), 0, nullptr, true);
    EXPECT_EQ(parse_ack(reinterpret_cast<const nlmsghdr*>(ok.data())).error, 0);
}

TEST(Ack, DumpDoneWithError)
{
    std::vector<std::byte> buf(256);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = NLMSG_DONE;
    nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
    int status = -ESRCH;
    std::memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &status, sizeof(status));
    mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "gone");
    Ack ack = parse_ack(nlh);
    EXPECT_EQ(ack.error, ESRCH);
    EXPECT_EQ(ack.message, "gone");
}

TEST(Ack, ImpossibleStatusIsAProtocolError)
{
    Message req(0x20, 1, 1);
    for (int status : {INT32_MIN, -4096, 5}) {
        auto buf = crafted_error(req.header(), status, nullptr, true);
        EXPECT_EQ(parse_ack(reinterpret_cast<const nlmsghdr*>(buf.data())).error, EPROTO) << status;
    }
}

TEST(Ack, TooShortIsRejected)
{
    std::vector<std::byte> buf(64);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = NLMSG_ERROR;
    EXPECT_THROW(parse_ack(nlh), Error);
}

TEST(MessageOk, RefusesLengthsBeyondTheBuffer)
{
    alignas(4) nlmsghdr h{};
    h.nlmsg_len = sizeof(h);
    EXPECT_TRUE(message_ok(&h, sizeof(h)));
    EXPECT_FALSE(message_ok(&h, sizeof(h) - 1));
    h.nlmsg_len = 8;
    EXPECT_FALSE(message_ok(&h, sizeof(h)));
    h.nlmsg_len = 0x80000010u; // negative as an int: mnl_nlmsg_ok() accepts it
    EXPECT_FALSE(message_ok(&h, 4096));
}

TEST(Error, TextIsExtackThenStrerror)
{
    Error e(EINVAL, "weight out of range");
    EXPECT_STREQ(e.what(), "weight out of range: Invalid argument");
    EXPECT_EQ(e.code(), EINVAL);
    EXPECT_EQ(e.extack(), "weight out of range");
}

} // namespace
} // namespace dlba::nl
