#include "dlba/ctl/bucket_assembler.h"

#include "dlba/nl/error.h"

#include <linux/dlba.h>

#include <cerrno>
#include <string>

namespace dlba::ctl {

namespace {

[[noreturn]] void malformed(const std::string& what)
{
    throw nl::Error(EPROTO, "malformed bucket dump: " + what);
}

} // namespace

void BucketAssembler::add(const codec::BucketChunk& chunk)
{
    if (chunk.count) {
        if (count_ && *count_ != *chunk.count)
            malformed("table size changed from " + std::to_string(*count_) + " to " +
                      std::to_string(*chunk.count));
        if (!count_) {
            // Bounded before allocating: a table is never larger.
            if (*chunk.count > DLBA_BUCKETS_MAX)
                malformed("table of " + std::to_string(*chunk.count) + " buckets");
            count_ = chunk.count;
            assign_.assign(*count_, 0);
            seen_.assign(*count_, false);
            if (keep_idle_)
                idle_.assign(*count_, 0);
        }
    }
    if (!count_)
        malformed("first part does not give the table size");
    if (uint64_t(chunk.start) + chunk.assign.size() > *count_)
        malformed("part beyond the table end");
    if (chunk.hash_key) {
        if (hash_key_ && *hash_key_ != *chunk.hash_key)
            malformed("hash key changed between parts");
        hash_key_ = chunk.hash_key;
    }
    if (chunk.version) {
        if (!min_version_ || *chunk.version < *min_version_)
            min_version_ = chunk.version;
        if (!max_version_ || *chunk.version > *max_version_)
            max_version_ = chunk.version;
    }
    for (size_t i = 0; i < chunk.assign.size(); i++) {
        size_t b = chunk.start + i;
        if (seen_[b])
            malformed("bucket " + std::to_string(b) + " sent twice");
        seen_[b] = true;
        assign_[b] = chunk.assign[i];
        if (keep_idle_ && i < chunk.idle_ms.size())
            idle_[b] = chunk.idle_ms[i];
    }
    filled_ += chunk.assign.size();
}

BucketTable BucketAssembler::finish() const
{
    if (!count_)
        malformed("the kernel sent no bucket table");
    BucketTable t;
    t.count = count_.value_or(0);
    if (filled_ != t.count)
        malformed("got " + std::to_string(filled_) + " of " + std::to_string(t.count) + " buckets");
    t.version = min_version_.value_or(0);
    t.assign = assign_;
    t.idle_ms = idle_;
    t.hash_key = hash_key_;
    return t;
}

void BucketAssembler::reset()
{
    count_.reset();
    min_version_.reset();
    hash_key_.reset();
    max_version_.reset();
    assign_.clear();
    idle_.clear();
    seen_.clear();
    filled_ = 0;
}

} // namespace dlba::ctl
