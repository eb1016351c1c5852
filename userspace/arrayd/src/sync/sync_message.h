#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dlba/ctl/types.h"

// The bucket-table sync messages the holder of a VIP group multicasts to the CPG group
// "dlba-array" (dlba-arrayd(8), "Bucket-table sync").  Binary, little-endian:
//
//   header   magic "DLBS" | u8 format (2) | u8 kind (1 delta, 2 snapshot) | u16 0 | u64 sequence
//            | u64 base | u32 records
//   request  magic "DLBS" | u8 format (2) | u8 kind (3 snapshot request) | u16 0 | u32 nodeid
//   record   u8 proto (6 tcp, 17 udp) | u8 family (4, 6) | u16 port | 16 bytes address (IPv4 in
//            the first 4, the rest 0) | u32 count | u64 version | u32 start | u32 n | u8 flags
//            (bit 0: hash key follows) | 3 bytes 0 | n x u32 server id | [16 bytes hash key]
//
// A record is the absolute assignment of buckets [start, start + n) of a table of `count`
// buckets at `version`; every record of a snapshot carries the table's hash key.  `sequence`
// numbers a sender's messages one by one; `base` is the sequence of the first message of the
// snapshot the message belongs to or follows (a snapshot's first message has base == sequence,
// a delta base < sequence; a snapshot of no service is one message of no record), so a receiver
// sees a lost message, or a delta without its snapshot.  A request asks node `nodeid` (the
// holder) for a snapshot (SyncReplica after a gap).  The state
// messages are text ("dlba-array 1 ..."), so the magic tells the two apart.  The decoder is
// strict: anything truncated, overlong or out of range is refused with the reason.
namespace dlba::arrayd {

enum class SyncKind : std::uint8_t { delta = 1, snapshot = 2, request = 3 };

struct SyncRecord {
    ctl::ServiceKey key;
    std::uint32_t count = 0;
    std::uint64_t version = 0;
    std::uint32_t start = 0;
    std::vector<std::uint32_t> ids;
    std::optional<ctl::HashKey> hash_key;

    friend bool operator==(const SyncRecord&, const SyncRecord&) = default;
};

struct SyncMessage {
    static constexpr std::string_view kMagic{"DLBS", 4};
    static constexpr std::uint8_t kFormat = 2;
    static constexpr std::size_t kHeaderSize = 28;
    static constexpr std::size_t kRecordHeaderSize = 44;
    // Corosync takes about 1 MB per message; sync messages stay well below.
    static constexpr std::size_t kMaxSize = 256 * 1024;

    SyncKind kind = SyncKind::delta;
    std::uint64_t sequence = 0;
    std::vector<SyncRecord> records;
    std::uint64_t base = 0;

    // The first message of a snapshot: the receiver starts over from it.
    [[nodiscard]] bool starts_snapshot() const noexcept
    {
        return kind == SyncKind::snapshot && base == sequence;
    }

    [[nodiscard]] std::string encode() const;
    // Throws SyncFormatError naming what is wrong (a request too: SyncRequest decodes it).
    static SyncMessage decode(std::string_view bytes);
    // Whether `bytes` starts with the magic (the rest may still be malformed).
    static bool is_sync(std::string_view bytes) noexcept
    {
        return bytes.substr(0, kMagic.size()) == kMagic;
    }
    // Whether `bytes` is (or claims to be) a snapshot request.
    static bool is_request(std::string_view bytes) noexcept
    {
        return is_sync(bytes) && bytes.size() > 5 &&
               static_cast<std::uint8_t>(bytes[5]) == static_cast<std::uint8_t>(SyncKind::request);
    }

    // The record count of an encoded message (0 if too short for a header).
    static std::uint32_t record_count(std::string_view bytes) noexcept;

    friend bool operator==(const SyncMessage&, const SyncMessage&) = default;
};

// A standby's request for a snapshot from the holder `nodeid`.
struct SyncRequest {
    static constexpr std::size_t kSize = 12;

    std::uint32_t nodeid = 0;

    [[nodiscard]] std::string encode() const;
    // Throws SyncFormatError naming what is wrong.
    static SyncRequest decode(std::string_view bytes);

    friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

class SyncFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The encoded size of one record.
[[nodiscard]] std::size_t encoded_size(const SyncRecord& r) noexcept;

// `records` as messages of `kind` no larger than `max_size` each (at least one record's header
// and one id must fit), numbered from `sequence` on (advanced past the last), with `base` (for a
// snapshot, the sequence of its first message: pass `sequence`).  A snapshot of no record is one
// message; deltas of no record are none.  A record too large for one message is cut into
// consecutive ranges carrying the same count, version and hash key.
[[nodiscard]] std::vector<std::string> encode_split(SyncKind kind, std::uint64_t& sequence,
                                                    std::uint64_t base,
                                                    const std::vector<SyncRecord>& records,
                                                    std::size_t max_size = SyncMessage::kMaxSize);

} // namespace dlba::arrayd
