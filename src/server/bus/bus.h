// The Bus seam (DESIGN §1): routes events to the online devices of users. In-process now; NATS between nodes
// later. Callers never ask "which thread is this user on": they publish to user ids.
//
// Thread-safety: every method may be called from any thread; delivery posts to each peer's own thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "parley/v1/envelope.pb.h"
#include "protocol/codec.h"

namespace parley::server {

// One connected, authenticated device as the bus sees it. Implemented by the network session.
class Peer {
 public:
  virtual ~Peer() = default;
  // Queues an event frame to this connection (any thread).
  virtual void send(protocol::SharedFrame frame) = 0;
  // Sends `kicked` and closes the connection (any thread).
  virtual void end_session(v1::KickedEvent kicked) = 0;
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Makes `peer` reachable as (user_id, device_id) until detach(). `peer_id` is unique per connection.
  virtual void attach(const std::string& user_id, const std::string& device_id, uint64_t peer_id,
                      std::weak_ptr<Peer> peer) = 0;
  virtual void detach(const std::string& user_id, uint64_t peer_id) = 0;
  // Sends `frame` to every online device of every user in `user_ids`, except the connection `except_peer_id`.
  // Returns the number of connections it was queued to.
  virtual size_t publish(const std::vector<std::string>& user_ids, const protocol::SharedFrame& frame,
                         uint64_t except_peer_id = 0) = 0;
  // Ends the sessions of `user_id` on `device_id` (every device when empty), except `except_peer_id`.
  virtual void kick(const std::string& user_id, const std::string& device_id, v1::KickedEvent kicked,
                    uint64_t except_peer_id = 0) = 0;
};

// The single-process bus: a sharded map user -> connections, each shard behind a small mutex that is never
// held while calling into a peer.
class InProcessBus final : public Bus {
 public:
  InProcessBus();
  ~InProcessBus() override;
  void attach(const std::string& user_id, const std::string& device_id, uint64_t peer_id,
              std::weak_ptr<Peer> peer) override;
  void detach(const std::string& user_id, uint64_t peer_id) override;
  size_t publish(const std::vector<std::string>& user_ids, const protocol::SharedFrame& frame,
                 uint64_t except_peer_id) override;
  void kick(const std::string& user_id, const std::string& device_id, v1::KickedEvent kicked,
            uint64_t except_peer_id) override;

 private:
  struct Shard;
  Shard& shard_for(const std::string& user_id);
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace parley::server
