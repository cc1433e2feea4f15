#include "server/core/rate_limits.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(KeyedRateLimiter, ABurstThenTheSustainedRatePerKey) {
  KeyedRateLimiter limiter(2.0, 4.0);  // 2 per second, bursts of 4
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.allow("a", 1000));
  int64_t retry = 0;
  EXPECT_FALSE(limiter.allow("a", 1000, &retry));
  EXPECT_EQ(retry, 500);
  EXPECT_TRUE(limiter.allow("b", 1000)) << "keys are independent";
  EXPECT_TRUE(limiter.allow("a", 1500));
  EXPECT_FALSE(limiter.allow("a", 1500));
  EXPECT_TRUE(limiter.allow("a", 10000));
}

TEST(KeyedRateLimiter, ZeroTurnsItOffAndDailyCapsRefillOverADay) {
  KeyedRateLimiter off(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.allow("a", 0));
  KeyedRateLimiter daily(3 / 86400.0, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(daily.allow("u", 0));
  int64_t retry = 0;
  EXPECT_FALSE(daily.allow("u", 3600 * 1000, &retry));
  EXPECT_EQ(retry, 8 * 3600 * 1000 - 3600 * 1000) << "one comes back every eight hours";
  EXPECT_TRUE(daily.allow("u", 8 * 3600 * 1000));
}

TEST(KeyedRateLimiter, ManyKeysDoNotGrowWithoutBound) {
  KeyedRateLimiter limiter(1.0, 1.0, 100);
  for (int i = 0; i < 10000; ++i) limiter.allow("key" + std::to_string(i), 0);
  // Still working, and a busy key keeps its state while the map has room.
  EXPECT_TRUE(limiter.allow("fresh", 0));
  EXPECT_FALSE(limiter.allow("fresh", 0));
}

TEST(LoginBackoff, DoublesAfterTheFreeFailuresUpToTheCapAndASuccessClearsIt) {
  LoginBackoff backoff(3);
  for (int i = 0; i < 2; ++i) backoff.failed("alice", 0);
  EXPECT_EQ(backoff.wait_ms("alice", 0), 0);
  backoff.failed("alice", 0);
  EXPECT_EQ(backoff.wait_ms("alice", 0), 1000);
  backoff.failed("alice", 1000);
  EXPECT_EQ(backoff.wait_ms("alice", 1000), 2000);
  backoff.failed("alice", 3000);
  EXPECT_EQ(backoff.wait_ms("alice", 3000), 4000);
  for (int i = 0; i < 30; ++i) backoff.failed("alice", 10000);
  EXPECT_EQ(backoff.wait_ms("alice", 10000), LoginBackoff::kMaxBackoffMs);
  EXPECT_EQ(backoff.wait_ms("bob", 10000), 0);
  backoff.succeeded("alice");
  EXPECT_EQ(backoff.wait_ms("alice", 10000), 0);
  LoginBackoff off(0);
  for (int i = 0; i < 100; ++i) off.failed("x", 0);
  EXPECT_EQ(off.wait_ms("x", 0), 0);
}

}  // namespace
}  // namespace parley::core
