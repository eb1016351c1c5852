#pragma once

#include "dlba/ctl/codec.h"
#include "dlba/ctl/types.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace dlba::ctl {

// Puts the parts of a bucket dump back together into one table and checks
// that they cover it exactly once.  The kernel dumps a big table in several
// messages; if a bucket changed owner in between, the parts carry different
// versions: consistent() is then false and the table reports the oldest
// version seen, so whoever compares versions later still sees it as stale.
class BucketAssembler {
public:
    explicit BucketAssembler(bool keep_idle) : keep_idle_(keep_idle) {}

    // Throws nl::Error(EPROTO) on a part that contradicts earlier ones.
    void add(const codec::BucketChunk& chunk);
    // Throws nl::Error(EPROTO) if buckets are missing.
    [[nodiscard]] BucketTable finish() const;
    [[nodiscard]] bool consistent() const { return min_version_ == max_version_; }
    void reset();

private:
    bool keep_idle_;
    std::optional<uint32_t> count_;
    std::optional<uint64_t> min_version_, max_version_;
    std::optional<HashKey> hash_key_;
    std::vector<uint32_t> assign_;
    std::vector<uint32_t> idle_;
    std::vector<bool> seen_;
    uint64_t filled_ = 0;
};

} // namespace dlba::ctl
