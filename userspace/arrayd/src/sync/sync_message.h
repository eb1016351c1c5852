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
//   header   magic "DLBS" | u8 format (1) | u8 kind (1 delta, 2 snapshot) | u16 0 | u64 sequence
//            | u32 records
//   record   u8 proto (6 tcp, 17 udp) | u8 family (4, 6) | u16 port | 16 bytes address (IPv4 in
//            the first 4, the rest 0) | u32 count | u64 version | u32 start | u32 n | u8 flags
//            (bit 0: hash key follows) | 3 bytes 0 | n x u32 server id | [16 bytes hash key]
//
// A record is the absolute assignment of buckets [start, start + n) of a table of `count`
// buckets at `version`; every record of a snapshot carries the table's hash key.  The state
// messages are text ("dlba-array 1 ..."), so the magic tells the two apart.  The decoder is
// strict: anything truncated, overlong or out of range is refused with the reason.
namespace dlba::arrayd {

enum class SyncKind : std::uint8_t { delta = 1, snapshot = 2 };

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
    static constexpr std::uint8_t kFormat = 1;
    static constexpr std::size_t kHeaderSize = 20;
    static constexpr std::size_t kRecordHeaderSize = 44;
    // Corosync takes about 1 MB per message; sync messages stay well below.
    static constexpr std::size_t kMaxSize = 256 * 1024;

    SyncKind kind = SyncKind::delta;
    std::uint64_t sequence = 0;
    std::vector<SyncRecord> records;

    [[nodiscard]] std::string encode() const;
    // Throws SyncFormatError naming what is wrong.
    static SyncMessage decode(std::string_view bytes);
    // Whether `bytes` starts with the magic (the rest may still be malformed).
    static bool is_sync(std::string_view bytes) noexcept
    {
        return bytes.substr(0, kMagic.size()) == kMagic;
    }

    // The record count of an encoded message (0 if too short for a header).
    static std::uint32_t record_count(std::string_view bytes) noexcept;

    friend bool operator==(const SyncMessage&, const SyncMessage&) = default;
};

class SyncFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The encoded size of one record.
[[nodiscard]] std::size_t encoded_size(const SyncRecord& r) noexcept;

// `records` as messages of `kind` no larger than `max_size` each (at least one record's header
// and one id must fit), numbered from `sequence` on (advanced past the last).  A record too large
// for one message is cut into consecutive ranges carrying the same count, version and hash key.
[[nodiscard]] std::vector<std::string> encode_split(SyncKind kind, std::uint64_t& sequence,
                                                    const std::vector<SyncRecord>& records,
                                                    std::size_t max_size = SyncMessage::kMaxSize);

} // namespace dlba::arrayd
