#include <dlbad/ewma.h>

#include <stdexcept>

namespace dlba::dlbad {

Ewma::Ewma(double alpha) : alpha_(alpha)
{
    if (!(alpha > 0.0 && alpha <= 1.0))
        throw std::invalid_argument("EWMA alpha must be in (0, 1]");
}

void Ewma::add(double sample) noexcept
{
    value_ = samples_ == 0 ? sample : value_ + alpha_ * (sample - value_);
    ++samples_;
}

} // namespace dlba::dlbad
