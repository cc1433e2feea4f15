// Abuse limits that hold per user, per conversation, per account or per address rather than per connection:
// token buckets and a failed-login backoff, keyed by strings, each with a bounded number of keys. All in
// memory and per process: they reset when the server restarts. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::core {

// `burst` tokens, refilled at `per_second` (a fraction for daily caps: 100 per day is 100 / 86400).
// A rate of 0 turns the limiter off.
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(double per_second, double burst, size_t max_keys = 100000);

  // Takes a token for `key`; when there is none, returns false and sets `retry_after_ms` (if given) to when
  // the next one comes.
  bool allow(const std::string& key, int64_t now_ms, int64_t* retry_after_ms = nullptr);
  bool enabled() const { return per_ms_ > 0; }

 private:
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  void make_room(int64_t now_ms);

  const double per_ms_;
  const double burst_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Failed logins per key (an account, an address): after `free_failures` failures in a row each further
// attempt is refused for a backoff that doubles from 1 s up to 15 minutes. A success clears the key.
// 0 free failures turns it off.
class LoginBackoff {
 public:
  explicit LoginBackoff(uint32_t free_failures, size_t max_keys = 100000);

  // Milliseconds the key must still wait, or 0.
  int64_t wait_ms(const std::string& key, int64_t now_ms);
  void failed(const std::string& key, int64_t now_ms);
  void succeeded(const std::string& key);

  static constexpr int64_t kFirstBackoffMs = 1000;
  static constexpr int64_t kMaxBackoffMs = int64_t{15} * 60 * 1000;

 private:
  struct Record {
    uint32_t failures = 0;
    int64_t blocked_until_ms = 0;
  };

  const uint32_t free_failures_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace parley::core
