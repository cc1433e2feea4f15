// A scripted stand-in for parleyd, for behaviour a real server does not produce on demand (a gap in pushed
// seqs, event kinds from the future, garbage frames). It listens on 127.0.0.1, accepts connections one after
// another, hands the test every request except pings (answered by itself), and sends what the test says.
// Beast stays inside fake_server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "parley/v1/envelope.pb.h"

namespace parley::testing {

class FakeServer {
 public:
  FakeServer();
  ~FakeServer();

  uint16_t port() const;
  // The next request of the current connection (pings excluded), or nullopt after `timeout`.
  std::optional<v1::ClientFrame> next_request(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void send(const v1::ServerFrame& frame);
  void send_raw(std::string bytes);  // as a binary WebSocket message, unchecked

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::testing
