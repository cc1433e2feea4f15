// What the API layer sees of a client connection, whatever its transport: a Peer the bus can deliver to,
// plus the identity established by login/authenticate and a way to answer requests.
//
// Threading: identity()/set_identity() only on the connection's own thread; respond(), run(), send() and
// end_session() from any thread (they post to it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "parley/v1/envelope.pb.h"
#include "server/bus/bus.h"

namespace parley::server {

struct Identity {
  std::string user_id;
  std::string device_id;
  std::string token_hash;
  v1::Platform platform = v1::PLATFORM_UNSPECIFIED;
  int64_t expires_at_ms = 0;
};

class Connection : public Peer {
 public:
  Connection(uint64_t id, std::string remote_address) : id_(id), remote_address_(std::move(remote_address)) {}

  uint64_t id() const { return id_; }
  // The client's IP address as the server sees it (for per-address limits).
  const std::string& remote_address() const { return remote_address_; }
  const std::optional<Identity>& identity() const { return identity_; }
  // Called when a login/authenticate/refresh succeeds, or with nullopt on logout.
  virtual void set_identity(std::optional<Identity> identity) { identity_ = std::move(identity); }

  // Answers one request (the frame carries its req_id). Exactly one respond() per request.
  virtual void respond(v1::ServerFrame frame) = 0;
  // Runs `fn` on the connection's thread.
  virtual void run(std::function<void()> fn) = 0;
  // False once the connection is closing (connection's thread).
  virtual bool is_open() const = 0;

 private:
  uint64_t id_;
  std::string remote_address_;
  std::optional<Identity> identity_;
};

}  // namespace parley::server
