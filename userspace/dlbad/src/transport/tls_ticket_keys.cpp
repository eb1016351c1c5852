#include "transport/tls_ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace dlba::dlbad {

namespace {

int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<unsigned char>(std::tolower(c));
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// A text file: printable ASCII and whitespace only (80 random bytes are that by chance with a
// probability below 1e-40).
bool looks_like_text(std::string_view data)
{
    return std::all_of(data.begin(), data.end(), [](unsigned char c) {
        return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
    });
}

int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx,
             EVP_MAC_CTX* mctx, int enc)
{
    auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    if (!keys)
        return enc ? -1 : 0;
    const int rc = keys->handle(name, iv, cctx, mctx, enc);
    // After a resumed TLS 1.3 handshake OpenSSL sends a new ticket only when the callback asks
    // for a renewal.  TLS 1.3 clients use a ticket once (RFC 8446 C.4), so without one every
    // other connection of a client would be a full handshake.
    if (rc == 1 && !enc && SSL_version(ssl) == TLS1_3_VERSION)
        return 2;
    return rc;
}

} // namespace

TicketKeys::TicketKeys() : keys_(std::make_shared<const KeyList>(KeyList{random_key(Clock::now())}))
{}

TicketKeys::Key TicketKeys::random_key(Clock::time_point now)
{
    Key k;
    if (RAND_bytes(k.name.data(), static_cast<int>(k.name.size())) != 1 ||
        RAND_bytes(k.hmac.data(), static_cast<int>(k.hmac.size())) != 1 ||
        RAND_bytes(k.aes.data(), static_cast<int>(k.aes.size())) != 1)
        throw std::runtime_error("RAND_bytes failed (TLS ticket key)");
    k.created = now;
    return k;
}

TicketKeys::Key TicketKeys::key_from(std::string_view raw)
{
    // OpenSSL's SSL_CTX_set_tlsext_ticket_keys layout, so a key file written for older dlbad
    // versions keeps resuming their tickets.
    Key k;
    std::memcpy(k.name.data(), raw.data(), 16);
    std::memcpy(k.hmac.data(), raw.data() + 16, 32);
    std::memcpy(k.aes.data(), raw.data() + 48, 32);
    return k;
}

std::vector<std::string> TicketKeys::parse_file(std::string_view data)
{
    std::vector<std::string> keys;
    if (looks_like_text(data)) {
        std::size_t lineno = 0;
        while (!data.empty()) {
            ++lineno;
            auto eol = data.find('\n');
            std::string_view line = data.substr(0, eol);
            data.remove_prefix(eol == std::string_view::npos ? data.size() : eol + 1);
            while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
                line.remove_prefix(1);
            while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
                line.remove_suffix(1);
            if (line.empty() || line.front() == '#')
                continue;
            const bool hex = std::all_of(line.begin(), line.end(),
                                         [](unsigned char c) { return hex_value(c) >= 0; });
            if (!hex || line.size() != 2 * kKeyBytes)
                throw std::invalid_argument(
                    "line " + std::to_string(lineno) + ": expected a key of " +
                    std::to_string(2 * kKeyBytes) + " hex digits (openssl rand -hex 80)" +
                    (hex ? ", got " + std::to_string(line.size()) : std::string()));
            std::string key;
            for (std::size_t i = 0; i < line.size(); i += 2)
                key.push_back(static_cast<char>(hex_value(line[i]) * 16 + hex_value(line[i + 1])));
            keys.push_back(std::move(key));
            if (keys.size() > kMaxKeys)
                throw std::invalid_argument("line " + std::to_string(lineno) + ": more than " +
                                            std::to_string(kMaxKeys) + " keys");
        }
        if (keys.empty())
            throw std::invalid_argument("no key in the file");
    } else {
        if (data.size() % kKeyBytes != 0)
            throw std::invalid_argument("binary key file of " + std::to_string(data.size()) +
                                        " bytes: not a multiple of " + std::to_string(kKeyBytes) +
                                        " bytes");
        if (data.size() / kKeyBytes > kMaxKeys)
            throw std::invalid_argument("more than " + std::to_string(kMaxKeys) + " keys");
        for (std::size_t off = 0; off < data.size(); off += kKeyBytes)
            keys.emplace_back(data.substr(off, kKeyBytes));
    }
    for (std::size_t i = 0; i < keys.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (keys[i].compare(0, 16, keys[j], 0, 16) == 0)
                throw std::invalid_argument("keys " + std::to_string(j + 1) + " and " +
                                            std::to_string(i + 1) +
                                            " have the same name (first 16 bytes)");
    return keys;
}

void TicketKeys::configure(const std::vector<std::string>& file_keys,
                           std::chrono::milliseconds rotation, std::chrono::milliseconds lifetime)
{
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    rotation_ = rotation;
    lifetime_ = lifetime;
    if (!file_keys.empty()) {
        KeyList list;
        for (const auto& raw : file_keys) {
            if (raw.size() != kKeyBytes)
                throw std::invalid_argument("TLS ticket key of " + std::to_string(raw.size()) +
                                            " bytes");
            list.push_back(key_from(raw));
        }
        keys_ = std::make_shared<const KeyList>(std::move(list));
        generated_ = false;
    } else if (!generated_) {
        keys_ = std::make_shared<const KeyList>(KeyList{random_key(now)});
        generated_ = true;
    }
}

std::shared_ptr<const TicketKeys::KeyList> TicketKeys::current(Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    if (generated_ && now - keys_->front().created >= rotation_) {
        // A new key encrypts from now on.  Key i (i > 0) stopped encrypting when key i-1 was
        // made; its tickets are valid for `lifetime` after that, and it is dropped then.
        KeyList next{random_key(now)};
        for (std::size_t i = 0; i < keys_->size() && next.size() < kMaxKeys; ++i) {
            if (now - next.back().created > lifetime_)
                break; // this one and every older one
            next.push_back((*keys_)[i]);
        }
        keys_ = std::make_shared<const KeyList>(std::move(next));
    }
    return keys_;
}

std::size_t TicketKeys::count(Clock::time_point now)
{
    return current(now)->size();
}

std::array<unsigned char, 16> TicketKeys::primary_name(Clock::time_point now)
{
    return current(now)->front().name;
}

int TicketKeys::handle(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx,
                       EVP_MAC_CTX* mctx, int enc, Clock::time_point now)
{
    const auto keys = current(now);
    const Key* key = nullptr;
    std::size_t index = 0;
    if (enc) {
        key = &keys->front();
        std::memcpy(name, key->name.data(), key->name.size());
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1)
            return -1;
    } else {
        for (; index < keys->size(); ++index)
            if (std::memcmp(name, (*keys)[index].name.data(), 16) == 0) {
                key = &(*keys)[index];
                break;
            }
        if (!key)
            return 0; // unknown or retired key: a full handshake, then a new ticket
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(
            OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key->hmac.data()), key->hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(mctx, params) != 1)
        return -1;
    const int ok = enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv)
                       : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv);
    if (ok != 1)
        return -1;
    return enc || index == 0 ? 1 : 2;
}

void TicketKeys::install(SSL_CTX* ctx, TicketKeys* keys)
{
    SSL_CTX_set_app_data(ctx, keys);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, callback);
}

} // namespace dlba::dlbad
