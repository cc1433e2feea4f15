// A small non-blocking MQTT 3.1.1 client (clean session, no keep-alive pings unless asked): connect,
// subscribe, publish QoS 0/1, PUBACK for received QoS 1 messages. Used by the load generator and meant to
// drive Parley's own MQTT gateway in tests. QoS 2, retained messages, wills and reconnects are out of scope.
//
// Threading: lives on the io_context it was created with; call it and receive callbacks there only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mqtt_codec.h"
#include "tcp_link.h"

namespace parley::bench {

class MqttClient {
 public:
  using Done = std::function<void(std::optional<std::string> error)>;
  using OnMessage = std::function<void(std::string_view topic, std::string_view payload)>;
  using OnPuback = std::function<void(uint16_t packet_id)>;
  using OnClosed = std::function<void(std::string reason)>;

  MqttClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, std::string client_id);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void on_message(OnMessage f) { on_message_ = std::move(f); }
  void on_puback(OnPuback f) { on_puback_ = std::move(f); }
  // After a successful connect: the connection ended (closed by the broker, an I/O or protocol error).
  void on_closed(OnClosed f) { on_closed_ = std::move(f); }

  // TCP connect + CONNECT; `done` runs once, after CONNACK (error when refused or on timeout of the caller's).
  void connect(Done done, std::string_view username = {}, std::string_view password = {});
  // SUBSCRIBE one topic; `done` after SUBACK (error when the broker refused the subscription).
  void subscribe(const std::string& topic, uint8_t qos, Done done);
  // PUBLISH; returns the packet id (0 for QoS 0), nullopt when not connected or the write buffer is full.
  std::optional<uint16_t> publish(std::string_view topic, std::string_view payload, uint8_t qos);

  bool is_connected() const { return connected_ && link_ && link_->is_open(); }
  size_t queued_bytes() const { return link_ ? link_->queued_bytes() : 0; }
  void disconnect();  // DISCONNECT, then close

 private:
  size_t on_data(std::string_view unread);
  bool on_packet(const mqtt::Packet& packet);
  void fail(std::string reason);
  uint16_t next_packet_id();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint server_;
  std::string client_id_;
  std::shared_ptr<TcpLink> link_;
  bool connected_ = false;
  uint16_t last_packet_id_ = 0;
  Done connect_done_;
  std::unordered_map<uint16_t, Done> subscribe_done_;
  OnMessage on_message_;
  OnPuback on_puback_;
  OnClosed on_closed_;
};

}  // namespace parley::bench
