// Presence: which users are online, on which platforms, and who is subscribed to hear about it. In memory,
// for this process (a cluster shares it over the Bus later).
//
// Changes are coalesced: a flusher thread publishes, a few times a second, the users whose presence really
// changed since it was last published, so heartbeats, reconnects and flapping devices cause no events, and
// a user who reconnects within `grace_ms` never shows as offline at all.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "parley/v1/social.pb.h"
#include "server/bus/bus.h"

namespace parley::server {

class PresenceHub {
 public:
  static constexpr size_t kMaxSubscriptionsPerConnection = 1000;

  PresenceHub(const Clock& clock, uint32_t grace_ms);
  ~PresenceHub();
  PresenceHub(const PresenceHub&) = delete;
  // Stops publishing (joins the flusher). Call before the connections' event loops are destroyed.
  void stop();
  PresenceHub& operator=(const PresenceHub&) = delete;

  void connected(const std::string& user, uint64_t conn_id, v1::Platform platform);
  // Also ends the connection's subscriptions.
  void disconnected(const std::string& user, uint64_t conn_id);
  void set_state(const std::string& user, uint64_t conn_id, v1::PresenceState state);

  // The user's presence now; last_seen_ms is 0 for a user not seen since this process started.
  v1::Presence get(const std::string& user);

  // False when the connection already has kMaxSubscriptionsPerConnection subscriptions, or is no longer
  // connected (a subscribe that finishes on a worker after the connection closed leaves nothing behind).
  bool subscribe(uint64_t conn_id, const std::string& subscriber, std::weak_ptr<Peer> peer, const std::string& target);
  void unsubscribe(uint64_t conn_id, const std::string& target);
  // Who is subscribed to `target` (user ids), so callers can re-check visibility after privacy changes.
  std::vector<std::string> subscribers_of(const std::string& target);
  // Ends every subscription of `subscriber` (any connection) to `target`.
  void drop(const std::string& target, const std::string& subscriber);

  // Typing indicators are rate-limited: at most one per connection and conversation per interval.
  bool allow_typing(uint64_t conn_id, const std::string& conversation_id);

 private:
  struct Device {
    v1::Platform platform;
    v1::PresenceState state;
  };
  struct UserState {
    std::map<uint64_t, Device> devices;
    int64_t last_seen_ms = 0;
    int64_t offline_since_ms = 0;
    v1::PresenceState published = v1::OFFLINE;
    std::vector<int> published_platforms;
  };
  struct Subscriber {
    std::string user;
    std::weak_ptr<Peer> peer;
  };

  v1::Presence presence_of(const std::string& user, const UserState& s) const;  // mu_ held
  void mark_dirty(const std::string& user);                                      // mu_ held
  void flush_loop();

  const Clock& clock_;
  const int64_t grace_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, UserState> users_;
  std::unordered_map<std::string, std::map<uint64_t, Subscriber>> subscribers_;  // target -> connection
  std::unordered_map<uint64_t, std::set<std::string>> subscriptions_;            // connection -> targets
  std::set<std::string> dirty_;
  std::unordered_map<uint64_t, std::unordered_map<std::string, int64_t>> typing_last_;  // conn -> conv -> ms
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread flusher_;
};

}  // namespace parley::server
