#include "sync/sync_message.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

namespace dlba::arrayd {

namespace {

constexpr std::uint8_t kHasHashKey = 1;

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void le(std::uint64_t v, int bytes)
    {
        for (int i = 0; i < bytes; ++i)
            u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u16(std::uint16_t v) { le(v, 2); }
    void u32(std::uint32_t v) { le(v, 4); }
    void u64(std::uint64_t v) { le(v, 8); }
    void raw(const std::uint8_t* p, std::size_t n)
    {
        out_.append(reinterpret_cast<const char*>(p), n);
    }

private:
    std::string& out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    [[nodiscard]] std::size_t left() const noexcept { return in_.size() - pos_; }
    void need(std::size_t n, const char* what) const
    {
        if (left() < n)
            throw SyncFormatError(std::string("truncated ") + what);
    }
    std::uint64_t le(int bytes)
    {
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v |= std::uint64_t(static_cast<std::uint8_t>(in_[pos_ + i])) << (8 * i);
        pos_ += bytes;
        return v;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
    std::uint64_t u64() { return le(8); }
    void raw(std::uint8_t* p, std::size_t n)
    {
        std::copy_n(in_.data() + pos_, n, reinterpret_cast<char*>(p));
        pos_ += n;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

void write_header(std::string& out, SyncKind kind, std::uint64_t sequence, std::uint64_t base,
                  std::uint32_t records)
{
    Writer w(out);
    out.append(SyncMessage::kMagic);
    w.u8(SyncMessage::kFormat);
    w.u8(static_cast<std::uint8_t>(kind));
    w.u16(0);
    w.u64(sequence);
    w.u64(base);
    w.u32(records);
}

// Magic, format and the reserved field of both headers; returns the kind byte.
std::uint8_t read_prefix(Reader& in, std::string_view bytes, std::size_t size)
{
    in.need(size, "header");
    if (!SyncMessage::is_sync(bytes))
        throw SyncFormatError("no sync magic");
    in.le(4);
    auto format = in.u8();
    if (format != SyncMessage::kFormat)
        throw SyncFormatError("format " + std::to_string(format) + ", not " +
                              std::to_string(SyncMessage::kFormat));
    auto kind = in.u8();
    if (in.u16() != 0)
        throw SyncFormatError("non-zero reserved header field");
    return kind;
}

void write_record(std::string& out, const SyncRecord& r)
{
    Writer w(out);
    w.u8(r.key.proto);
    w.u8(r.key.addr.family == AF_INET6 ? 6 : 4);
    w.u16(r.key.port);
    std::array<std::uint8_t, 16> addr{};
    std::copy_n(r.key.addr.bytes.begin(), r.key.addr.family == AF_INET6 ? 16 : 4, addr.begin());
    w.raw(addr.data(), addr.size());
    w.u32(r.count);
    w.u64(r.version);
    w.u32(r.start);
    w.u32(static_cast<std::uint32_t>(r.ids.size()));
    w.u8(r.hash_key ? kHasHashKey : 0);
    w.u8(0);
    w.u16(0);
    for (auto id : r.ids)
        w.u32(id);
    if (r.hash_key)
        w.raw(r.hash_key->data(), r.hash_key->size());
}

SyncRecord read_record(Reader& in, SyncKind kind)
{
    in.need(SyncMessage::kRecordHeaderSize, "record header");
    SyncRecord r;
    r.key.proto = in.u8();
    if (r.key.proto != IPPROTO_TCP && r.key.proto != IPPROTO_UDP)
        throw SyncFormatError("unknown protocol " + std::to_string(r.key.proto));
    auto family = in.u8();
    if (family != 4 && family != 6)
        throw SyncFormatError("unknown address family " + std::to_string(family));
    r.key.addr.family = family == 6 ? AF_INET6 : AF_INET;
    r.key.port = in.u16();
    in.raw(r.key.addr.bytes.data(), r.key.addr.bytes.size());
    if (family == 4 &&
        std::any_of(r.key.addr.bytes.begin() + 4, r.key.addr.bytes.end(), [](auto b) { return b; }))
        throw SyncFormatError("IPv4 address with bytes beyond the fourth");
    r.count = in.u32();
    r.version = in.u64();
    r.start = in.u32();
    std::uint32_t n = in.u32();
    std::uint8_t flags = in.u8();
    std::uint8_t pad = in.u8();
    std::uint16_t pad2 = in.u16();
    if ((flags & ~kHasHashKey) || pad || pad2)
        throw SyncFormatError("unknown record flags or non-zero padding");
    if (r.count == 0)
        throw SyncFormatError("record of a table of no bucket");
    if (n == 0)
        throw SyncFormatError("record of no bucket");
    if (r.start >= r.count || n > r.count - r.start)
        throw SyncFormatError("record beyond the table end");
    if (kind == SyncKind::snapshot && !(flags & kHasHashKey))
        throw SyncFormatError("snapshot record without its hash key");
    in.need(std::size_t(n) * 4, "server ids");
    r.ids.resize(n);
    for (auto& id : r.ids)
        id = in.u32();
    if (flags & kHasHashKey) {
        in.need(16, "hash key");
        r.hash_key.emplace();
        in.raw(r.hash_key->data(), r.hash_key->size());
    }
    return r;
}

} // namespace

std::size_t encoded_size(const SyncRecord& r) noexcept
{
    return SyncMessage::kRecordHeaderSize + r.ids.size() * 4 + (r.hash_key ? 16 : 0);
}

std::string SyncMessage::encode() const
{
    std::string out;
    std::size_t size = kHeaderSize;
    for (const auto& r : records)
        size += encoded_size(r);
    out.reserve(size);
    write_header(out, kind, sequence, base, static_cast<std::uint32_t>(records.size()));
    for (const auto& r : records)
        write_record(out, r);
    return out;
}

std::uint32_t SyncMessage::record_count(std::string_view bytes) noexcept
{
    if (bytes.size() < kHeaderSize)
        return 0;
    Reader in(bytes.substr(kHeaderSize - 4));
    return in.u32();
}

SyncMessage SyncMessage::decode(std::string_view bytes)
{
    Reader in(bytes);
    auto kind = read_prefix(in, bytes, kHeaderSize);
    if (kind == static_cast<std::uint8_t>(SyncKind::request))
        throw SyncFormatError("a snapshot request, not a table message");
    if (kind != static_cast<std::uint8_t>(SyncKind::delta) &&
        kind != static_cast<std::uint8_t>(SyncKind::snapshot))
        throw SyncFormatError("unknown kind " + std::to_string(kind));
    SyncMessage m;
    m.kind = static_cast<SyncKind>(kind);
    m.sequence = in.u64();
    m.base = in.u64();
    if (m.base > m.sequence || (m.kind == SyncKind::delta && m.base == m.sequence))
        throw SyncFormatError("base " + std::to_string(m.base) + " does not precede sequence " +
                              std::to_string(m.sequence));
    std::uint32_t n = in.u32();
    if (n == 0 && !m.starts_snapshot())
        throw SyncFormatError("message of no record");
    // Each record takes more than its header: a count the bytes cannot hold is refused before
    // anything is allocated for it.
    if (n > in.left() / (kRecordHeaderSize + 4))
        throw SyncFormatError("record count " + std::to_string(n) + " beyond the message size");
    m.records.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i)
        m.records.push_back(read_record(in, m.kind));
    if (in.left())
        throw SyncFormatError(std::to_string(in.left()) + " bytes after the last record");
    return m;
}

std::vector<std::string> encode_split(SyncKind kind, std::uint64_t& sequence, std::uint64_t base,
                                      const std::vector<SyncRecord>& records, std::size_t max_size)
{
    if (max_size < SyncMessage::kHeaderSize + SyncMessage::kRecordHeaderSize + 16 + 4)
        throw std::invalid_argument("sync message bound too small for a record");
    std::vector<std::string> out;
    SyncMessage m{kind, 0, {}, base};
    std::size_t size = SyncMessage::kHeaderSize;
    auto flush = [&] {
        // A snapshot of nothing still says so (the receivers start over from it).
        if (m.records.empty() && (kind != SyncKind::snapshot || !out.empty()))
            return;
        m.sequence = sequence++;
        out.push_back(m.encode());
        m.records.clear();
        size = SyncMessage::kHeaderSize;
    };
    for (const auto& r : records) {
        std::size_t pos = 0;
        while (pos < r.ids.size()) {
            std::size_t fixed = SyncMessage::kRecordHeaderSize + (r.hash_key ? 16 : 0);
            if (size + fixed + 4 > max_size)
                flush();
            std::size_t room = (max_size - size - fixed) / 4;
            std::size_t n = std::min(room, r.ids.size() - pos);
            SyncRecord part{r.key,
                            r.count,
                            r.version,
                            static_cast<std::uint32_t>(r.start + pos),
                            {r.ids.begin() + static_cast<std::ptrdiff_t>(pos),
                             r.ids.begin() + static_cast<std::ptrdiff_t>(pos + n)},
                            r.hash_key};
            size += encoded_size(part);
            m.records.push_back(std::move(part));
            pos += n;
        }
    }
    flush();
    return out;
}

std::string SyncRequest::encode() const
{
    std::string out;
    Writer w(out);
    out.append(SyncMessage::kMagic);
    w.u8(SyncMessage::kFormat);
    w.u8(static_cast<std::uint8_t>(SyncKind::request));
    w.u16(0);
    w.u32(nodeid);
    return out;
}

SyncRequest SyncRequest::decode(std::string_view bytes)
{
    Reader in(bytes);
    auto kind = read_prefix(in, bytes, kSize);
    if (kind != static_cast<std::uint8_t>(SyncKind::request))
        throw SyncFormatError("not a snapshot request");
    SyncRequest r;
    r.nodeid = in.u32();
    if (in.left())
        throw SyncFormatError(std::to_string(in.left()) + " bytes after the request");
    return r;
}

} // namespace dlba::arrayd
