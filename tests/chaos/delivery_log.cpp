#include "delivery_log.h"

namespace parley::testing {

void DeliveryLog::acked(const std::string& conversation, const std::string& client_msg_id, uint64_t seq,
                        bool duplicate) {
  std::lock_guard lock(mu_);
  if (duplicate) ++duplicate_acks_;
  auto [it, fresh] = acks_[conversation].try_emplace(client_msg_id, seq);
  if (!fresh && it->second != seq) {
    conflicts_.push_back(conversation + ": " + client_msg_id + " acked as seq " + std::to_string(it->second) +
                         " and again as seq " + std::to_string(seq));
  }
}

void DeliveryLog::refused(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++refusals_;
  if (refusal_reasons_.size() < 20 || refusal_reasons_.count(reason)) ++refusal_reasons_[reason];
}

std::map<std::string, size_t> DeliveryLog::refusal_reasons() const {
  std::lock_guard lock(mu_);
  return refusal_reasons_;
}

void DeliveryLog::delivered(const std::string& device, const std::string& conversation, uint64_t seq,
                            const std::string& client_msg_id) {
  std::lock_guard lock(mu_);
  ++deliveries_;
  auto [it, fresh] = seen_[device][conversation].try_emplace(seq, client_msg_id);
  if (!fresh && it->second != client_msg_id) {
    conflicts_.push_back(device + " got " + conversation + " seq " + std::to_string(seq) + " as " + it->second +
                         " and as " + client_msg_id);
  }
}

DeliveryLog::Figures DeliveryLog::figures() const {
  std::lock_guard lock(mu_);
  Figures f;
  for (const auto& [conversation, acks] : acks_) f.acks += acks.size();
  f.duplicate_acks = duplicate_acks_;
  f.refusals = refusals_;
  f.deliveries = deliveries_;
  return f;
}

size_t DeliveryLog::refusals() const {
  std::lock_guard lock(mu_);
  return refusals_;
}

std::vector<std::string> DeliveryLog::check(const std::map<std::string, History>& server,
                                            const std::map<std::string, std::vector<std::string>>& members) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> violations = conflicts_;
  auto violation = [&](std::string line) {
    if (violations.size() < 50) violations.push_back(std::move(line));
  };
  for (const auto& [conversation, history] : server) {
    // Seqs are contiguous from 1, and no message was stored twice (a resend must be recognised).
    uint64_t expected = 1;
    std::map<std::string, uint64_t> seq_of;
    for (const auto& [seq, id] : history) {
      if (seq != expected) violation(conversation + ": seq " + std::to_string(expected) + " missing");
      expected = seq + 1;
      auto [it, fresh] = seq_of.try_emplace(id, seq);
      if (!fresh) {
        violation(conversation + ": " + id + " stored twice, as seq " + std::to_string(it->second) + " and " +
                  std::to_string(seq));
      }
    }
    // Every acked message is in the history, at the seq its ack gave.
    if (auto acks = acks_.find(conversation); acks != acks_.end()) {
      for (const auto& [id, seq] : acks->second) {
        auto at = history.find(seq);
        if (at == history.end() || at->second != id) {
          violation(conversation + ": acked " + id + " (seq " + std::to_string(seq) + ") is not in the history");
        }
      }
    }
    // Every member device ends up with exactly the server's history: same messages, same order.
    auto who = members.find(conversation);
    if (who == members.end()) continue;
    for (const auto& device : who->second) {
      auto dev = seen_.find(device);
      const History* mine = nullptr;
      if (dev != seen_.end()) {
        if (auto c = dev->second.find(conversation); c != dev->second.end()) mine = &c->second;
      }
      if (!mine) {
        violation(device + " has nothing of " + conversation);
        continue;
      }
      if (*mine == history) continue;
      for (const auto& [seq, id] : history) {
        auto at = mine->find(seq);
        if (at == mine->end()) {
          violation(device + " lacks " + conversation + " seq " + std::to_string(seq));
        } else if (at->second != id) {
          violation(device + " has " + conversation + " seq " + std::to_string(seq) + " as " + at->second +
                    ", the server as " + id);
        }
      }
      for (const auto& [seq, id] : *mine) {
        if (!history.count(seq)) {
          violation(device + " has " + conversation + " seq " + std::to_string(seq) + " the server does not");
        }
      }
    }
  }
  for (const auto& [conversation, acks] : acks_) {
    if (!server.count(conversation)) violation(conversation + ": acked messages but no history on the server");
  }
  return violations;
}

}  // namespace parley::testing
