#include "config_push/config_message.h"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace dlba::arrayd {

namespace {

constexpr std::size_t kDigestHex = 64;

// The next space-separated word of `s` (advanced past it and one separator).
std::optional<std::string_view> word(std::string_view& s, char end = ' ')
{
    auto pos = s.find(end);
    if (pos == std::string_view::npos || pos == 0)
        return std::nullopt;
    auto w = s.substr(0, pos);
    s.remove_prefix(pos + 1);
    return w;
}

template <typename T>
std::optional<T> number(std::optional<std::string_view> w)
{
    if (!w || w->size() > 20 || (w->size() > 1 && w->front() == '0'))
        return std::nullopt;
    T v{};
    auto [p, ec] = std::from_chars(w->data(), w->data() + w->size(), v);
    if (ec != std::errc() || p != w->data() + w->size())
        return std::nullopt;
    return v;
}

} // namespace

std::string sha256_hex(std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xf];
    }
    return out;
}

ConfigMessage ConfigMessage::make(Kind kind, std::uint32_t origin, std::uint64_t request,
                                  std::uint64_t generation, std::string text)
{
    ConfigMessage m;
    m.kind = kind;
    m.origin = origin;
    m.request = request;
    m.generation = generation;
    m.digest = sha256_hex(text);
    m.text = std::move(text);
    return m;
}

std::string ConfigMessage::encode() const
{
    std::string out(kMagic);
    out += std::to_string(kVersion);
    out += kind == Kind::push ? " push " : " offer ";
    out += std::to_string(origin) + ' ' + std::to_string(request) + ' ' +
           std::to_string(generation) + ' ' + digest + ' ' + std::to_string(text.size()) + '\n';
    out += text;
    return out;
}

std::optional<ConfigMessage> ConfigMessage::decode(std::string_view s)
{
    if (!is_config(s))
        return std::nullopt;
    s.remove_prefix(kMagic.size());
    if (number<unsigned>(word(s)) != kVersion)
        return std::nullopt;
    ConfigMessage m;
    auto kind = word(s);
    if (kind == "push")
        m.kind = Kind::push;
    else if (kind == "offer")
        m.kind = Kind::offer;
    else
        return std::nullopt;
    auto origin = number<std::uint32_t>(word(s));
    auto request = number<std::uint64_t>(word(s));
    auto generation = number<std::uint64_t>(word(s));
    auto digest = word(s);
    auto length = number<std::size_t>(word(s, '\n'));
    if (!origin || !request || !generation || !digest || !length)
        return std::nullopt;
    if (*origin == 0 || (m.kind == Kind::push) != (*generation == 0))
        return std::nullopt;
    if (digest->size() != kDigestHex ||
        digest->find_first_not_of("0123456789abcdef") != std::string_view::npos)
        return std::nullopt;
    if (*length > kMaxText || *length != s.size())
        return std::nullopt;
    if (sha256_hex(s) != *digest)
        return std::nullopt;
    m.origin = *origin;
    m.request = *request;
    m.generation = *generation;
    m.digest = std::string(*digest);
    m.text = std::string(s);
    return m;
}

} // namespace dlba::arrayd
