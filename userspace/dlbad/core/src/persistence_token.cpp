#include <dlbad/persistence_token.h>

#include <dlbad/cookie_header.h>
#include <dlbad/header_util.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace dlba::dlbad {

namespace {

constexpr std::size_t kNonceBytes = 11;
constexpr std::size_t kPlainBytes = 8;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kRawBytes = 1 + kNonceBytes + kPlainBytes + kTagBytes; // 36
static_assert(kRawBytes % 3 == 0 && kRawBytes / 3 * 4 == PersistenceTokenCodec::kTokenLength);
constexpr std::uint64_t kFutureSkew = 300;

struct MacDeleter {
    void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;
using Digest = std::array<unsigned char, 32>;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) noexcept
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

// Input length is a multiple of 3 here, so there is never padding.
std::string b64url_encode(const unsigned char* p, std::size_t n)
{
    std::string out;
    out.reserve(n / 3 * 4);
    for (std::size_t i = 0; i + 3 <= n; i += 3) {
        const std::uint32_t v = (static_cast<std::uint32_t>(p[i]) << 16) |
                                (static_cast<std::uint32_t>(p[i + 1]) << 8) | p[i + 2];
        out.push_back(kB64[(v >> 18) & 63]);
        out.push_back(kB64[(v >> 12) & 63]);
        out.push_back(kB64[(v >> 6) & 63]);
        out.push_back(kB64[v & 63]);
    }
    return out;
}

bool b64url_decode(std::string_view s, unsigned char* out) noexcept
{
    for (std::size_t i = 0, o = 0; i < s.size(); i += 4, o += 3) {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int d = b64_value(s[i + k]);
            if (d < 0)
                return false;
            v = (v << 6) | static_cast<std::uint32_t>(d);
        }
        out[o] = static_cast<unsigned char>(v >> 16);
        out[o + 1] = static_cast<unsigned char>(v >> 8);
        out[o + 2] = static_cast<unsigned char>(v);
    }
    return true;
}

MacCtxPtr hmac_template(EVP_MAC* mac, const unsigned char* key, std::size_t key_len)
{
    MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_init(ctx.get(), key, key_len, params) != 1)
        throw std::runtime_error("HMAC-SHA256 initialisation failed");
    return ctx;
}

// HMAC over the concatenation of `parts` with a keyed template context.
bool hmac(const EVP_MAC_CTX* tmpl, std::initializer_list<std::string_view> parts,
          Digest& out) noexcept
{
    MacCtxPtr ctx(EVP_MAC_CTX_dup(tmpl));
    if (!ctx)
        return false;
    for (std::string_view p : parts) {
        if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(p.data()), p.size()) !=
            1)
            return false;
    }
    std::size_t len = 0;
    return EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1 && len == out.size();
}

std::string_view view(const unsigned char* p, std::size_t n) noexcept
{
    return {reinterpret_cast<const char*>(p), n};
}

} // namespace

TokenKey TokenKey::from_hex(std::uint8_t id, std::string_view hex)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2 != 0)
        throw std::invalid_argument("cookie key: odd number of hex digits");
    if (hex.size() / 2 < PersistenceTokenCodec::kMinSecretBytes)
        throw std::invalid_argument("cookie key: need at least 64 hex digits (32 bytes)");
    TokenKey k;
    k.id = id;
    k.secret.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]);
        const int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            throw std::invalid_argument("cookie key: not a hex digit");
        k.secret.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return k;
}

struct PersistenceTokenCodec::Impl {
    struct Key {
        std::uint8_t id;
        MacCtxPtr enc; // HMAC(K_enc, .)
        MacCtxPtr mac; // HMAC(K_mac, .)
    };
    MacPtr hmac_alg;
    std::vector<Key> keys;
    std::uint64_t max_age = 0;

    const Key* find(std::uint8_t id) const noexcept
    {
        for (const Key& k : keys) {
            if (k.id == id)
                return &k;
        }
        return nullptr;
    }
};

PersistenceTokenCodec::PersistenceTokenCodec(std::span<const TokenKey> keys,
                                             std::chrono::seconds max_age)
    : impl_(std::make_unique<Impl>())
{
    if (keys.empty())
        throw std::invalid_argument("cookie authentication needs at least one key");
    if (max_age.count() < 0)
        throw std::invalid_argument("cookie max age must not be negative");
    impl_->max_age = static_cast<std::uint64_t>(max_age.count());
    impl_->hmac_alg.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!impl_->hmac_alg)
        throw std::runtime_error("OpenSSL has no HMAC");
    for (const TokenKey& k : keys) {
        if (k.secret.size() < kMinSecretBytes)
            throw std::invalid_argument("cookie key " + std::to_string(k.id) +
                                        " is shorter than 32 bytes");
        if (impl_->find(k.id))
            throw std::invalid_argument("duplicate cookie key id " + std::to_string(k.id));
        // Separate encryption and MAC keys derived from the shared secret.
        const MacCtxPtr master =
            hmac_template(impl_->hmac_alg.get(), k.secret.data(), k.secret.size());
        Digest k_enc{};
        Digest k_mac{};
        if (!hmac(master.get(), {"dlba persistence enc v1"}, k_enc) ||
            !hmac(master.get(), {"dlba persistence mac v1"}, k_mac))
            throw std::runtime_error("HMAC-SHA256 failed");
        Impl::Key key{k.id, hmac_template(impl_->hmac_alg.get(), k_enc.data(), k_enc.size()),
                      hmac_template(impl_->hmac_alg.get(), k_mac.data(), k_mac.size())};
        OPENSSL_cleanse(k_enc.data(), k_enc.size());
        OPENSSL_cleanse(k_mac.data(), k_mac.size());
        impl_->keys.push_back(std::move(key));
    }
}

PersistenceTokenCodec::~PersistenceTokenCodec() = default;
PersistenceTokenCodec::PersistenceTokenCodec(PersistenceTokenCodec&&) noexcept = default;
PersistenceTokenCodec& PersistenceTokenCodec::operator=(PersistenceTokenCodec&&) noexcept = default;

namespace {

// Nonces come from a per-thread batch of RAND_bytes output: one call (and its fork-detection
// getpid()) per 372 tokens instead of one per token.  The bytes are the DRBG's all the same; the
// batch belongs to one thread, and dlbad forks (daemonising) before any token is issued.
void fresh_nonce(unsigned char* nonce)
{
    constexpr std::size_t kBatch = kNonceBytes * 372;
    thread_local std::array<unsigned char, kBatch> pool;
    thread_local std::size_t used = kBatch;
    if (used == kBatch) {
        if (RAND_bytes(pool.data(), static_cast<int>(kBatch)) != 1)
            throw std::runtime_error("RAND_bytes failed");
        used = 0;
    }
    std::memcpy(nonce, pool.data() + used, kNonceBytes);
    OPENSSL_cleanse(pool.data() + used, kNonceBytes); // a nonce is handed out once
    used += kNonceBytes;
}

} // namespace

std::string PersistenceTokenCodec::issue(std::uint32_t server_key, std::uint64_t now_unix) const
{
    const Impl::Key& key = impl_->keys.front();
    std::array<unsigned char, kRawBytes> raw{};
    unsigned char* const id = raw.data();
    unsigned char* const nonce = id + 1;
    unsigned char* const ct = nonce + kNonceBytes;
    unsigned char* const tag = ct + kPlainBytes;

    *id = key.id;
    fresh_nonce(nonce);
    const auto issued = static_cast<std::uint32_t>(std::min<std::uint64_t>(now_unix, UINT32_MAX));
    const std::array<unsigned char, kPlainBytes> pt{
        static_cast<unsigned char>(server_key >> 24), static_cast<unsigned char>(server_key >> 16),
        static_cast<unsigned char>(server_key >> 8),  static_cast<unsigned char>(server_key),
        static_cast<unsigned char>(issued >> 24),     static_cast<unsigned char>(issued >> 16),
        static_cast<unsigned char>(issued >> 8),      static_cast<unsigned char>(issued),
    };
    Digest ks{};
    if (!hmac(key.enc.get(), {"dlba-ks", view(id, 1 + kNonceBytes)}, ks))
        throw std::runtime_error("HMAC-SHA256 failed");
    for (std::size_t i = 0; i < kPlainBytes; ++i)
        ct[i] = pt[i] ^ ks[i];
    Digest t{};
    if (!hmac(key.mac.get(), {"dlba-tag", view(id, 1 + kNonceBytes + kPlainBytes)}, t))
        throw std::runtime_error("HMAC-SHA256 failed");
    std::memcpy(tag, t.data(), kTagBytes);
    return b64url_encode(raw.data(), raw.size());
}

std::optional<std::uint32_t> PersistenceTokenCodec::verify(std::string_view token,
                                                           std::uint64_t now_unix) const noexcept
{
    if (token.size() != kTokenLength)
        return std::nullopt;
    std::array<unsigned char, kRawBytes> raw{};
    if (!b64url_decode(token, raw.data()))
        return std::nullopt;
    const unsigned char* const id = raw.data();
    const unsigned char* const ct = id + 1 + kNonceBytes;
    const unsigned char* const tag = ct + kPlainBytes;

    const Impl::Key* key = impl_->find(*id);
    if (key == nullptr)
        return std::nullopt;
    Digest t{};
    if (!hmac(key->mac.get(), {"dlba-tag", view(id, 1 + kNonceBytes + kPlainBytes)}, t))
        return std::nullopt;
    if (CRYPTO_memcmp(t.data(), tag, kTagBytes) != 0)
        return std::nullopt;
    Digest ks{};
    if (!hmac(key->enc.get(), {"dlba-ks", view(id, 1 + kNonceBytes)}, ks))
        return std::nullopt;
    std::array<unsigned char, kPlainBytes> pt{};
    for (std::size_t i = 0; i < kPlainBytes; ++i)
        pt[i] = ct[i] ^ ks[i];
    const std::uint32_t server_key = (std::uint32_t{pt[0]} << 24) | (std::uint32_t{pt[1]} << 16) |
                                     (std::uint32_t{pt[2]} << 8) | pt[3];
    const std::uint64_t issued = (std::uint32_t{pt[4]} << 24) | (std::uint32_t{pt[5]} << 16) |
                                 (std::uint32_t{pt[6]} << 8) | pt[7];
    if (issued > now_unix + kFutureSkew)
        return std::nullopt;
    if (impl_->max_age != 0 && now_unix > issued && now_unix - issued > impl_->max_age)
        return std::nullopt;
    return server_key;
}

std::uint64_t unix_now() noexcept
{
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

PersistenceCookie find_persistence_cookie(std::span<const HeaderField> headers,
                                          std::string_view name, const PersistenceTokenCodec& codec,
                                          std::uint64_t now_unix) noexcept
{
    PersistenceCookie out;
    for (const HeaderField& h : headers) {
        if (!iequals(h.name, "Cookie"))
            continue;
        CookieIterator it(h.value);
        CookiePair p;
        while (it.next(p)) {
            if (p.name != name)
                continue;
            out.present = true;
            if ((out.server_key = codec.verify(p.value, now_unix)))
                return out;
        }
    }
    return out;
}

} // namespace dlba::dlbad
