// What the chaos run's clients saw, and the checks made on it afterwards. Every device records each message
// it was given (pushed or pulled) and every ack it got; `check` then verifies DESIGN's delivery guarantees
// against the server's final history. Thread-safe: devices record from their own threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace parley::testing {

// One conversation's history as one device or the server has it: seq -> client_msg_id.
using History = std::map<uint64_t, std::string>;

class DeliveryLog {
 public:
  // `duplicate`: the server recognised a resend of a message it had already stored (its first ack was lost).
  void acked(const std::string& conversation, const std::string& client_msg_id, uint64_t seq, bool duplicate);
  void refused(const std::string& reason);
  void delivered(const std::string& device, const std::string& conversation, uint64_t seq,
                 const std::string& client_msg_id);

  struct Figures {
    size_t acks = 0;           // distinct acked messages
    size_t duplicate_acks = 0; // resends the server recognised as already stored
    size_t refusals = 0;       // sends answered with an error
    size_t deliveries = 0;     // messages recorded by devices, pushes and pulls together
  };
  Figures figures() const;
  size_t refusals() const;
  // Each distinct refusal ("CODE: message") with its count.
  std::map<std::string, size_t> refusal_reasons() const;

  // Checks every device's history against `server` (conversation -> the full history pulled at the end) and
  // returns one line per violation. `members` maps each conversation to the devices that must hold it.
  std::vector<std::string> check(const std::map<std::string, History>& server,
                                 const std::map<std::string, std::vector<std::string>>& members) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> acks_;  // conversation -> client_msg_id -> acked seq
  std::map<std::string, std::map<std::string, History>> seen_;  // device -> conversation -> history
  std::vector<std::string> conflicts_;  // a device given two different messages for one seq
  size_t refusals_ = 0;
  std::map<std::string, size_t> refusal_reasons_;
  size_t deliveries_ = 0;
  size_t duplicate_acks_ = 0;
};

}  // namespace parley::testing
