#include "server/api/presence_hub.h"

#include <algorithm>

#include "protocol/codec.h"

namespace parley::server {
namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(200);
constexpr int64_t kTypingIntervalMs = 1000;
constexpr size_t kMaxTypingConversations = 1000;  // remembered per connection

}  // namespace

PresenceHub::PresenceHub(const Clock& clock, uint32_t grace_ms)
    : clock_(clock), grace_ms_(grace_ms), flusher_([this] { flush_loop(); }) {}

PresenceHub::~PresenceHub() { stop(); }

void PresenceHub::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

void PresenceHub::mark_dirty(const std::string& user) {
  if (subscribers_.contains(user)) dirty_.insert(user);
}

void PresenceHub::connected(const std::string& user, uint64_t conn_id, v1::Platform platform) {
  std::lock_guard lock(mu_);
  auto& s = users_[user];
  s.devices[conn_id] = Device{platform, v1::ONLINE};
  s.last_seen_ms = clock_.now_ms();
  mark_dirty(user);
}

void PresenceHub::disconnected(const std::string& user, uint64_t conn_id) {
  std::lock_guard lock(mu_);
  if (auto it = users_.find(user); it != users_.end()) {
    it->second.devices.erase(conn_id);
    it->second.last_seen_ms = clock_.now_ms();
    if (it->second.devices.empty()) it->second.offline_since_ms = clock_.now_ms();
    mark_dirty(user);
    // Keep the entry (for last_seen) only while someone listens.
    if (it->second.devices.empty() && !subscribers_.contains(user) && it->second.published == v1::OFFLINE) {
      users_.erase(it);
    }
  }
  if (auto it = subscriptions_.find(conn_id); it != subscriptions_.end()) {
    for (const auto& target : it->second) {
      auto sub = subscribers_.find(target);
      if (sub == subscribers_.end()) continue;
      sub->second.erase(conn_id);
      if (sub->second.empty()) subscribers_.erase(sub);
    }
    subscriptions_.erase(it);
  }
  typing_last_.erase(conn_id);
}

void PresenceHub::set_state(const std::string& user, uint64_t conn_id, v1::PresenceState state) {
  std::lock_guard lock(mu_);
  auto it = users_.find(user);
  if (it == users_.end()) return;
  auto device = it->second.devices.find(conn_id);
  if (device == it->second.devices.end()) return;
  device->second.state = state;
  it->second.last_seen_ms = clock_.now_ms();
  mark_dirty(user);
}

v1::Presence PresenceHub::presence_of(const std::string& user, const UserState& s) const {
  v1::Presence p;
  p.set_user_id(user);
  p.set_last_seen_ms(s.devices.empty() ? s.last_seen_ms : clock_.now_ms());
  bool any_online = false;
  for (const auto& [id, d] : s.devices) {
    any_online |= d.state == v1::ONLINE;
    if (std::find(p.platforms().begin(), p.platforms().end(), d.platform) == p.platforms().end()) {
      p.add_platforms(d.platform);
    }
  }
  p.set_state(s.devices.empty() ? v1::OFFLINE : any_online ? v1::ONLINE : v1::AWAY);
  return p;
}

v1::Presence PresenceHub::get(const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = users_.find(user);
  if (it == users_.end()) {
    v1::Presence p;
    p.set_user_id(user);
    p.set_state(v1::OFFLINE);
    return p;
  }
  return presence_of(user, it->second);
}

bool PresenceHub::subscribe(uint64_t conn_id, const std::string& subscriber, std::weak_ptr<Peer> peer,
                            const std::string& target) {
  std::lock_guard lock(mu_);
  auto me = users_.find(subscriber);
  if (me == users_.end() || !me->second.devices.contains(conn_id)) return false;
  auto& mine = subscriptions_[conn_id];
  if (!mine.contains(target) && mine.size() >= kMaxSubscriptionsPerConnection) return false;
  mine.insert(target);
  subscribers_[target][conn_id] = Subscriber{subscriber, std::move(peer)};
  auto& s = users_[target];  // remembers what subscribers last heard, so only real changes are published
  auto now = presence_of(target, s);
  s.published = now.state();
  s.published_platforms.assign(now.platforms().begin(), now.platforms().end());
  return true;
}

void PresenceHub::unsubscribe(uint64_t conn_id, const std::string& target) {
  std::lock_guard lock(mu_);
  if (auto it = subscriptions_.find(conn_id); it != subscriptions_.end()) it->second.erase(target);
  if (auto it = subscribers_.find(target); it != subscribers_.end()) {
    it->second.erase(conn_id);
    if (it->second.empty()) subscribers_.erase(it);
  }
}

std::vector<std::string> PresenceHub::subscribers_of(const std::string& target) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  if (auto it = subscribers_.find(target); it != subscribers_.end()) {
    for (const auto& [conn, sub] : it->second) out.push_back(sub.user);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void PresenceHub::drop(const std::string& target, const std::string& subscriber) {
  std::lock_guard lock(mu_);
  auto it = subscribers_.find(target);
  if (it == subscribers_.end()) return;
  for (auto s = it->second.begin(); s != it->second.end();) {
    if (s->second.user == subscriber) {
      if (auto mine = subscriptions_.find(s->first); mine != subscriptions_.end()) mine->second.erase(target);
      s = it->second.erase(s);
    } else {
      ++s;
    }
  }
  if (it->second.empty()) subscribers_.erase(it);
}

bool PresenceHub::allow_typing(uint64_t conn_id, const std::string& conversation_id) {
  const int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  auto& mine = typing_last_[conn_id];
  if (mine.size() >= kMaxTypingConversations) mine.clear();
  auto& last = mine[conversation_id];
  if (last != 0 && now - last < kTypingIntervalMs) return false;
  last = now;
  return true;
}

void PresenceHub::flush_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kFlushInterval, [&] { return stopping_; });
    if (stopping_ || dirty_.empty()) continue;
    std::vector<std::pair<std::weak_ptr<Peer>, protocol::SharedFrame>> sends;
    const int64_t now = clock_.now_ms();
    for (auto it = dirty_.begin(); it != dirty_.end();) {
      const std::string& user = *it;
      auto state = users_.find(user);
      auto subs = subscribers_.find(user);
      if (state == users_.end() || subs == subscribers_.end()) {
        it = dirty_.erase(it);
        continue;
      }
      v1::Presence p = presence_of(user, state->second);
      // Offline only counts once it has lasted the grace period: a reconnect within it is no change at all.
      if (p.state() == v1::OFFLINE && now - state->second.offline_since_ms < grace_ms_) {
        ++it;
        continue;
      }
      std::vector<int> platforms(p.platforms().begin(), p.platforms().end());
      if (p.state() != state->second.published || platforms != state->second.published_platforms) {
        state->second.published = p.state();
        state->second.published_platforms = std::move(platforms);
        v1::ServerFrame frame;
        *frame.mutable_event()->mutable_presence() = std::move(p);
        auto shared = protocol::make_shared_frame(std::move(frame));
        for (const auto& [conn, sub] : subs->second) sends.emplace_back(sub.peer, shared);
      }
      it = dirty_.erase(it);
    }
    lock.unlock();
    for (auto& [peer, frame] : sends) {
      if (auto p = peer.lock()) p->send(frame);
    }
    lock.lock();
  }
}

}  // namespace parley::server
