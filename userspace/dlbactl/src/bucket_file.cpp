#include "dlba/ctl/bucket_file.h"

#include "dlba/ctl/parse.h"
#include "dlba/nl/error.h"

#include <linux/dlba.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dlba::ctl {

namespace {

constexpr const char* kFormat = "dlba-buckets";
constexpr int kFormatVersion = 1;

} // namespace

std::string BucketFile::to_text() const
{
    std::ostringstream out;
    out << "{\"format\":\"" << kFormat << "\",\"format_version\":" << kFormatVersion
        << ",\"service\":" << nlohmann::json(service).dump() << ",\"version\":" << version
        << ",\"count\":" << assign.size();
    if (hash_key)
        out << ",\"hash_key\":\"" << format_hash_key(*hash_key) << '"';
    out << ",\"assign\":[";
    for (size_t i = 0; i < assign.size(); i++)
        out << (i ? "," : "") << assign[i];
    out << "]}\n";
    return out.str();
}

BucketFile BucketFile::from_text(const std::string& text)
{
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw ParseError(std::string("not a bucket file: ") + e.what());
    }
    auto need = [&](const char* key) -> const nlohmann::json& {
        if (!doc.is_object() || !doc.contains(key))
            throw ParseError(std::string("bucket file: missing '") + key + "'");
        return doc[key];
    };
    if (need("format") != kFormat)
        throw ParseError("bucket file: format is not 'dlba-buckets'");
    if (!need("format_version").is_number_unsigned() || need("format_version") != kFormatVersion)
        throw ParseError("bucket file: unsupported format_version (this dlbactl reads 1)");
    BucketFile f;
    if (!need("service").is_string())
        throw ParseError("bucket file: 'service' must be a string");
    f.service = doc["service"].get<std::string>();
    if (!need("version").is_number_unsigned())
        throw ParseError("bucket file: 'version' must be an unsigned number");
    f.version = doc["version"].get<uint64_t>();
    if (doc.contains("hash_key")) {
        if (!doc["hash_key"].is_string())
            throw ParseError("bucket file: 'hash_key' must be a string of 32 hex digits");
        try {
            f.hash_key = parse_hash_key(doc["hash_key"].get<std::string>());
        } catch (const ParseError& e) {
            throw ParseError(std::string("bucket file: ") + e.what());
        }
    }
    const auto& assign = need("assign");
    if (!assign.is_array())
        throw ParseError("bucket file: 'assign' must be an array");
    if (!need("count").is_number_unsigned() || doc["count"].get<uint64_t>() != assign.size())
        throw ParseError("bucket file: 'count' does not match the 'assign' array (" +
                         std::to_string(assign.size()) + " entries)");
    if (assign.size() < DLBA_BUCKETS_MIN || assign.size() > DLBA_BUCKETS_MAX)
        throw ParseError("bucket file: " + std::to_string(assign.size()) +
                         " buckets is out of range");
    f.assign.reserve(assign.size());
    for (size_t i = 0; i < assign.size(); i++) {
        const auto& v = assign[i];
        if (!v.is_number_unsigned() || v.get<uint64_t>() > DLBA_SERVER_ID_MAX)
            throw ParseError("bucket file: entry " + std::to_string(i) +
                             " is not a server id (0.." + std::to_string(DLBA_SERVER_ID_MAX) + ")");
        f.assign.push_back(v.get<uint32_t>());
    }
    return f;
}

void BucketFile::save(const std::string& path) const
{
    write_file_atomically(path, to_text());
}

void write_file_atomically(const std::string& path, const std::string& text)
{
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            throw nl::Error(errno, tmp);
        out << text;
        out.flush();
        if (!out) {
            int err = errno;
            std::remove(tmp.c_str());
            throw nl::Error(err ? err : EIO, tmp);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        std::remove(tmp.c_str());
        throw nl::Error(err, path);
    }
}

BucketFile BucketFile::load(const std::string& path)
{
    std::ostringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(path);
        if (!in)
            throw nl::Error(errno, path);
        text << in.rdbuf();
    }
    return from_text(text.str());
}

} // namespace dlba::ctl
