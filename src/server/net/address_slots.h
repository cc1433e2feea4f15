// Open WebSocket connections per client IP address, counted across the I/O threads, so that one address
// cannot take every connection the server can hold (`max_connections_per_address`, 0: no limit).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::server {

// The peer's IP address as text ("unknown" when the socket has none any more).
inline std::string remote_address(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

class AddressSlots {
 public:
  explicit AddressSlots(uint32_t max_per_address) : max_(max_per_address) {}

  // Takes a slot for `address`; false when it has them all.
  bool try_take(const std::string& address) {
    if (max_ == 0) return true;
    std::lock_guard lock(mu_);
    uint32_t& open = open_[address];
    if (open >= max_) return false;
    ++open;
    return true;
  }

  void give_back(const std::string& address) {
    if (max_ == 0) return;
    std::lock_guard lock(mu_);
    auto it = open_.find(address);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  const uint32_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, uint32_t> open_;
};

}  // namespace parley::server
