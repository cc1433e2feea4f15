#include "server/core/rate_limits.h"

#include <algorithm>
#include <cmath>

namespace parley::core {

KeyedRateLimiter::KeyedRateLimiter(double per_second, double burst, size_t max_keys)
    : per_ms_(per_second / 1000.0), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

bool KeyedRateLimiter::allow(const std::string& key, int64_t now_ms, int64_t* retry_after_ms) {
  if (!enabled()) return true;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) make_room(now_ms);
    it = buckets_.emplace(key, Bucket{burst_, now_ms}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + static_cast<double>(std::max<int64_t>(0, now_ms - b.at_ms)) * per_ms_);
  b.at_ms = now_ms;
  if (b.tokens >= 1.0 - 1e-9) {  // slack for the rounding of slow rates (100 per day)
    b.tokens = std::max(0.0, b.tokens - 1.0);
    return true;
  }
  if (retry_after_ms) *retry_after_ms = static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_ms_));
  return false;
}

// Buckets that have refilled completely carry no information: drop them. If every key is busy (a flood of
// distinct keys), drop an arbitrary half rather than grow: the limit is lost for those keys, memory is not.
void KeyedRateLimiter::make_room(int64_t now_ms) {
  std::erase_if(buckets_, [&](const auto& kv) {
    return kv.second.tokens + static_cast<double>(now_ms - kv.second.at_ms) * per_ms_ >= burst_;
  });
  for (auto it = buckets_.begin(); buckets_.size() >= max_keys_ / 2 && it != buckets_.end();) it = buckets_.erase(it);
}

LoginBackoff::LoginBackoff(uint32_t free_failures, size_t max_keys)
    : free_failures_(free_failures), max_keys_(max_keys) {}

int64_t LoginBackoff::wait_ms(const std::string& key, int64_t now_ms) {
  if (free_failures_ == 0) return 0;
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return 0;
  return std::max<int64_t>(0, it->second.blocked_until_ms - now_ms);
}

void LoginBackoff::failed(const std::string& key, int64_t now_ms) {
  if (free_failures_ == 0) return;
  std::lock_guard lock(mu_);
  if (records_.size() >= max_keys_ && !records_.count(key)) {
    std::erase_if(records_, [&](const auto& kv) { return kv.second.blocked_until_ms < now_ms; });
    for (auto it = records_.begin(); records_.size() >= max_keys_ / 2 && it != records_.end();) it = records_.erase(it);
  }
  Record& r = records_[key];
  ++r.failures;
  if (r.failures < free_failures_) return;
  const uint32_t doublings = std::min<uint32_t>(r.failures - free_failures_, 20);
  r.blocked_until_ms = now_ms + std::min(kMaxBackoffMs, kFirstBackoffMs << doublings);
}

void LoginBackoff::succeeded(const std::string& key) {
  if (free_failures_ == 0) return;
  std::lock_guard lock(mu_);
  records_.erase(key);
}

}  // namespace parley::core
