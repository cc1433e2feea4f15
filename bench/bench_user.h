// One simulated user of the load generator: its own WebSocket connection, which it opens, registers on
// (register_user; an id that already exists counts as registered) and logs in on (login with a device id
// and platform BOT). After that it sends the frames it is given and passes every frame it receives on.
//
// Set-up retries UNAVAILABLE and RATE_LIMITED answers (the server bounds concurrent password hashing) after
// a short pause. Threading: everything runs on the io_context the user was created with.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "parley/v1/envelope.pb.h"
#include "ws_connection.h"

namespace parley::bench {

class BenchUser {
 public:
  // nullopt: ready; otherwise why set-up failed.
  using SetUpDone = std::function<void(std::optional<std::string> error)>;
  using FrameHandler = std::function<void(v1::ServerFrame& frame)>;
  using LostHandler = std::function<void()>;
  using UndecodableHandler = std::function<void()>;

  BenchUser(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, std::string user_id,
            std::string password);

  // Set-up with a session token issued by the admin API: connect, then `authenticate` (no register/login,
  // no password hashing). `source`: the local address to connect from (each has its own port range).
  void use_token(std::string token) { token_ = std::move(token); }
  void use_source(boost::asio::ip::address source) { source_ = source; }
  BenchUser(const BenchUser&) = delete;
  BenchUser& operator=(const BenchUser&) = delete;

  const std::string& user_id() const { return user_id_; }

  // Where frames go once the user is ready, and who hears about a lost connection after that.
  void on_frame(FrameHandler handler) { on_frame_ = std::move(handler); }
  void on_lost(LostHandler handler) { on_lost_ = std::move(handler); }
  // A received message that is not a ServerFrame (counted by the scenario as an unexpected frame).
  void on_undecodable(UndecodableHandler handler) { on_undecodable_ = std::move(handler); }

  // Connects, registers and logs in (or authenticates with the token); `done` runs exactly once.
  void set_up(SetUpDone done);

  // Sends `frame` with the next req_id (returned). Only when is_open().
  uint64_t send(v1::ClientFrame& frame);

  bool is_open() const { return stage_ == Stage::kReady; }
  size_t queued_messages() const { return connection_ ? connection_->queued_messages() : 0; }
  void close();

  // Stop and resume reading (a client whose app hangs); see WsConnection::pause_reading.
  void pause_reading() {
    if (connection_) connection_->pause_reading();
  }
  void resume_reading() {
    if (connection_) connection_->resume_reading();
  }
  // How the connection ended, once it has: the error that ended it (websocket::error::closed after a close
  // frame, EOF or a reset when it was cut) and the close frame's code and reason (0 and "" without one).
  boost::system::error_code close_error() const { return close_error_; }
  int close_code() const { return connection_ ? connection_->close_code() : 0; }
  std::string close_reason() const { return connection_ ? connection_->close_reason() : ""; }

 private:
  enum class Stage { kIdle, kConnecting, kRegistering, kLoggingIn, kAuthenticating, kReady, kLost };

  void on_open(boost::system::error_code ec);
  void on_message(std::string_view payload);
  void on_closed(boost::system::error_code ec);
  void send_register();
  void send_login();
  void send_authenticate();
  void on_setup_answer(const v1::ServerFrame& frame);
  void retry_after_pause();
  void finish_setup(std::optional<std::string> error);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint server_;
  std::string user_id_;
  std::string password_;
  std::string token_;
  std::optional<boost::asio::ip::address> source_;
  std::shared_ptr<WsConnection> connection_;
  boost::asio::steady_timer retry_timer_;
  Stage stage_ = Stage::kIdle;
  uint64_t next_req_id_ = 1;
  uint64_t setup_req_id_ = 0;
  int retries_ = 0;
  boost::system::error_code close_error_;
  SetUpDone setup_done_;
  FrameHandler on_frame_;
  LostHandler on_lost_;
  UndecodableHandler on_undecodable_;
};

}  // namespace parley::bench
