// The optional rule from a DLBA server's average response time to its effective weight.
#include <gtest/gtest.h>

#include <limits>

#include "dlba/arrayd/sweep/weight_rule.h"

namespace dlba::arrayd {
namespace {

WeightRule on()
{
    WeightRule r;
    r.enabled = true;
    r.reference_ms = 50;
    r.floor_ms = 1;
    r.min_factor = 0.1;
    r.max_factor = 2.0;
    return r;
}

TEST(WeightRule, OffByDefaultKeepsTheConfiguredWeight)
{
    WeightRule r;
    EXPECT_FALSE(r.enabled);
    EXPECT_EQ(effective_weight(r, 100, 500.0), 100U);
    EXPECT_EQ(effective_weight(r, 100, 1.0), 100U);
}

TEST(WeightRule, ProportionalToConfiguredOverResponseTime)
{
    EXPECT_EQ(effective_weight(on(), 100, 50.0), 100U);
    EXPECT_EQ(effective_weight(on(), 100, 100.0), 50U);
    EXPECT_EQ(effective_weight(on(), 100, 40.0), 125U);
    EXPECT_EQ(effective_weight(on(), 3, 75.0), 2U); // 2.0 rounded
}

TEST(WeightRule, ClampedToTheFactorsAndToDlbaWeights)
{
    EXPECT_EQ(effective_weight(on(), 100, 5000.0), 10U); // min_factor 0.1
    EXPECT_EQ(effective_weight(on(), 100, 2.0), 200U);   // max_factor 2
    EXPECT_EQ(effective_weight(on(), 100, 0.001), 200U); // floor_ms, then max_factor
    EXPECT_EQ(effective_weight(on(), 1, 100000.0), 1U);  // never 0
    EXPECT_EQ(effective_weight(on(), 60000, 1.0), 65535U);
}

TEST(WeightRule, NoFigureKeepsTheConfiguredWeight)
{
    EXPECT_EQ(effective_weight(on(), 100, std::nullopt), 100U);
    EXPECT_EQ(effective_weight(on(), 100, 0.0), 100U); // no responses yet
    EXPECT_EQ(effective_weight(on(), 100, std::numeric_limits<double>::quiet_NaN()), 100U);
    EXPECT_EQ(effective_weight(on(), 0, 10.0), 0U);
}

} // namespace
} // namespace dlba::arrayd
