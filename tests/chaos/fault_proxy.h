// A loopback TCP relay between the chaos test's clients and parleyd. It gives clients one stable port while
// the server behind it is killed and restarted on new ports, and it cuts connections on demand. It relays in
// small reads of random size, so a cut usually lands in the middle of a WebSocket frame.
#pragma once

#include <cstdint>
#include <memory>

namespace parley::testing {

class FaultProxy {
 public:
  explicit FaultProxy(uint16_t target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const;
  // New connections go to `port` from now on; existing ones keep their server.
  void set_target(uint16_t port);
  // Closes every relayed connection in both directions, whatever is in flight. Returns how many it cut.
  size_t cut_all();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::testing
