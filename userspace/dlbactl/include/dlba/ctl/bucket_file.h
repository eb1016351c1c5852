#pragma once

#include "dlba/ctl/types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlba::ctl {

// The file of "dlbactl buckets save/load": a service's whole assignment
// array and its version, for keeping a standby scheduler in sync (WO 01/69890
// "Scheduler Failover").  JSON:
//   {"format":"dlba-buckets","format_version":1,"service":"10.0.0.10:80/tcp",
//    "version":12,"count":65536,"hash_key":"<32 hex digits>","assign":[1,2,0,...]}
// hash_key is the key the table maps clients with (absent in files of older
// dlbactl versions: then the table loads under whatever key the service has).
class BucketFile {
public:
    std::string service; // informational; load targets the SVC given
    uint64_t version = 0;
    std::optional<HashKey> hash_key;
    std::vector<uint32_t> assign; // size = bucket count; 0 = unassigned

    [[nodiscard]] std::string to_text() const;
    // Throws ParseError on anything but a well-formed file.
    static BucketFile from_text(const std::string& text);

    // Writes atomically (temporary file + rename) so a reader never sees
    // half a file.
    void save(const std::string& path) const;
    // "-" reads standard input.
    static BucketFile load(const std::string& path);
};

// Writes TEXT to PATH through a temporary file and a rename, so a reader
// (a standby's loader, apply -f) never sees half a file.
void write_file_atomically(const std::string& path, const std::string& text);

} // namespace dlba::ctl
