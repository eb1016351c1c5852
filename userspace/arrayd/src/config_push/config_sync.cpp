#include "config_push/config_sync.h"

namespace dlba::arrayd {

ConfigMessage AgreedConfig::offer() const
{
    ConfigMessage m;
    m.kind = ConfigMessage::Kind::offer;
    m.origin = origin;
    m.request = request;
    m.generation = generation;
    m.digest = digest;
    m.text = text;
    return m;
}

AgreedConfig AgreedConfig::from(const ConfigMessage& m, std::uint64_t generation)
{
    return AgreedConfig{generation, m.digest, m.origin, m.request, m.text};
}

bool newer(const AgreedConfig& a, const AgreedConfig& b) noexcept
{
    return a.generation != b.generation ? a.generation > b.generation : a.digest > b.digest;
}

AgreedConfig ConfigSync::on_push(const ConfigMessage& push)
{
    latest_ = AgreedConfig::from(push, latest_ ? latest_->generation + 1 : 1);
    offered_ = false;
    return *latest_;
}

ConfigSync::OfferOutcome ConfigSync::on_offer(const ConfigMessage& offer)
{
    auto theirs = AgreedConfig::from(offer, offer.generation);
    if (!latest_ || newer(theirs, *latest_)) {
        latest_ = std::move(theirs);
        // Ours is theirs now: nothing of ours to answer with until it changes.
        offered_ = true;
        return {true, false};
    }
    if (newer(*latest_, theirs) && !offered_) {
        offered_ = true;
        return {false, true};
    }
    return {};
}

std::optional<ConfigMessage> ConfigSync::on_membership()
{
    offered_ = false;
    if (!latest_)
        return std::nullopt;
    offered_ = true;
    return latest_->offer();
}

} // namespace dlba::arrayd
