#include <functional>
#include <mutex>
#include <unordered_map>

#include "server/bus/bus.h"

namespace parley::server {
namespace {
constexpr size_t kShards = 32;

struct Entry {
  uint64_t peer_id;
  std::string device_id;
  std::weak_ptr<Peer> peer;
};
}  // namespace

struct InProcessBus::Shard {
  std::mutex mu;
  std::unordered_map<std::string, std::vector<Entry>> online;
};

InProcessBus::InProcessBus() : shards_(new Shard[kShards]) {}
InProcessBus::~InProcessBus() = default;

InProcessBus::Shard& InProcessBus::shard_for(const std::string& user_id) {
  return shards_[std::hash<std::string>{}(user_id) % kShards];
}

void InProcessBus::attach(const std::string& user_id, const std::string& device_id, uint64_t peer_id,
                          std::weak_ptr<Peer> peer) {
  auto& shard = shard_for(user_id);
  std::lock_guard lock(shard.mu);
  shard.online[user_id].push_back(Entry{peer_id, device_id, std::move(peer)});
}

void InProcessBus::detach(const std::string& user_id, uint64_t peer_id) {
  auto& shard = shard_for(user_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.online.find(user_id);
  if (it == shard.online.end()) return;
  std::erase_if(it->second, [&](const Entry& e) { return e.peer_id == peer_id; });
  if (it->second.empty()) shard.online.erase(it);
}

size_t InProcessBus::publish(const std::vector<std::string>& user_ids, const protocol::SharedFrame& frame,
                             uint64_t except_peer_id) {
  std::vector<std::shared_ptr<Peer>> targets;
  for (const auto& user : user_ids) {
    auto& shard = shard_for(user);
    std::lock_guard lock(shard.mu);
    auto it = shard.online.find(user);
    if (it == shard.online.end()) continue;
    for (const auto& e : it->second) {
      if (e.peer_id == except_peer_id) continue;
      if (auto p = e.peer.lock()) targets.push_back(std::move(p));
    }
  }
  for (const auto& p : targets) p->send(frame);
  return targets.size();
}

void InProcessBus::kick(const std::string& user_id, const std::string& device_id, v1::KickedEvent kicked,
                        uint64_t except_peer_id) {
  std::vector<std::shared_ptr<Peer>> targets;
  {
    auto& shard = shard_for(user_id);
    std::lock_guard lock(shard.mu);
    auto it = shard.online.find(user_id);
    if (it != shard.online.end()) {
      for (const auto& e : it->second) {
        if (e.peer_id == except_peer_id || (!device_id.empty() && e.device_id != device_id)) continue;
        if (auto p = e.peer.lock()) targets.push_back(std::move(p));
      }
    }
  }
  for (const auto& p : targets) p->end_session(kicked);
}

}  // namespace parley::server
