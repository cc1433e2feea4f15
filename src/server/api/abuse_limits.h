// The server's abuse limits beyond the per-connection request rate: what one user, one conversation, one
// account or one address may do (docs/protocol.md, "Limits"). Built once from the configuration; shared by
// every handler.
#pragma once

#include <string>

#include "server/config.h"
#include "server/core/rate_limits.h"

namespace parley::server {

struct AbuseLimits {
  explicit AbuseLimits(const Config& c)
      : messages_per_user(c.user_messages_per_second, c.user_messages_per_second * 10.0),
        messages_per_conversation(c.conversation_messages_per_second, c.conversation_messages_per_second * 10.0),
        groups_per_user(c.max_groups_per_day / 86400.0, c.max_groups_per_day),
        friend_requests_per_user(c.max_friend_requests_per_day / 86400.0, c.max_friend_requests_per_day),
        logins_per_account(c.login_failures_before_backoff),
        logins_per_address(c.login_failures_per_address_before_backoff) {}

  core::KeyedRateLimiter messages_per_user;          // sustained rate, bursts of ten seconds' worth
  core::KeyedRateLimiter messages_per_conversation;  // the same, for everyone in one conversation together
  core::KeyedRateLimiter groups_per_user;            // created per day
  core::KeyedRateLimiter friend_requests_per_user;   // sent per day
  core::LoginBackoff logins_per_account;
  core::LoginBackoff logins_per_address;
};

// "retry in 3 s" for a wait in milliseconds (rounded up; at least 1 s).
inline std::string retry_in(int64_t wait_ms) {
  const int64_t seconds = std::max<int64_t>(1, (wait_ms + 999) / 1000);
  if (seconds < 120) return "retry in " + std::to_string(seconds) + " s";
  if (seconds < 7200) return "retry in " + std::to_string((seconds + 59) / 60) + " min";
  return "retry in " + std::to_string((seconds + 3599) / 3600) + " h";
}

}  // namespace parley::server
