#pragma once

// Exponentially weighted moving average of response times for the status
// table ("Avg. Resp. Time", WO 01/69890 Fig. 7) and LeastResponseTimeScheduler.
// The first sample initialises the average.  Not thread-safe.

#include <cstdint>

namespace dlba::dlbad {

class Ewma {
public:
    // alpha in (0, 1]: weight of the newest sample.  Throws
    // std::invalid_argument otherwise.
    explicit Ewma(double alpha = 0.2);

    void add(double sample) noexcept;
    [[nodiscard]] double value() const noexcept { return value_; }
    [[nodiscard]] std::uint64_t samples() const noexcept { return samples_; }

private:
    double alpha_;
    double value_ = 0.0;
    std::uint64_t samples_ = 0;
};

} // namespace dlba::dlbad
