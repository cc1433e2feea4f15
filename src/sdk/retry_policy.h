// The timing rules of the connection manager, without I/O so they are unit-tested: reconnect backoff
// (exponential with jitter, like mars' avalanche protection: many clients that lost the same server must not
// come back in lockstep) and the adaptive heartbeat (the interval grows while the link holds and shrinks after
// a drop, so an idle phone wakes its radio rarely yet a NAT that forgets idle mappings is found out).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace parley::sdk {

using Millis = std::chrono::milliseconds;

class Backoff {
 public:
  Backoff(Millis min, Millis max, uint64_t seed) : min_(min), max_(std::max(min, max)), rng_(seed) {}

  // The delay before the next attempt: min·2^failures capped at max, then a random point in its upper half.
  Millis next() {
    int64_t cap = min_.count();
    for (int i = 0; i < failures_ && cap < max_.count(); ++i) cap *= 2;
    cap = std::min<int64_t>(cap, max_.count());
    ++failures_;
    std::uniform_int_distribution<int64_t> pick(cap / 2, cap);
    return Millis(pick(rng_));
  }
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  Millis min_, max_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

class Heartbeat {
 public:
  Heartbeat(Millis min, Millis max) : min_(min), max_(std::max(min, max)), interval_(min) {}

  Millis interval() const { return interval_; }
  // A ping was answered: after two in a row at this interval, try a longer one (up to max).
  void on_success() {
    if (++successes_ >= 2) {
      successes_ = 0;
      interval_ = std::min(max_, interval_ + std::max(min_ / 2, Millis(1)));
    }
  }
  // The link died (ping unanswered, or dropped while idle): go back to half the interval (not below min).
  void on_failure() {
    successes_ = 0;
    interval_ = std::max(min_, interval_ / 2);
  }

 private:
  Millis min_, max_, interval_;
  int successes_ = 0;
};

}  // namespace parley::sdk
