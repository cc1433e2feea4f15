// BenchUser's set-up state machine: connect -> register_user -> login -> ready.
#include "bench_user.h"

#include <chrono>

#include "protocol/codec.h"

namespace parley::bench {
namespace {

constexpr auto kRetryPause = std::chrono::milliseconds(100);
constexpr int kMaxRetries = 300;  // 30 s of "busy" answers before giving up
constexpr const char* kDeviceId = "bench";

bool is_transient(v1::ErrorCode code) { return code == v1::UNAVAILABLE || code == v1::RATE_LIMITED; }

}  // namespace

BenchUser::BenchUser(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, std::string user_id,
                     std::string password)
    : io_(io),
      server_(std::move(server)),
      user_id_(std::move(user_id)),
      password_(std::move(password)),
      retry_timer_(io) {}

void BenchUser::set_up(SetUpDone done) {
  setup_done_ = std::move(done);
  stage_ = Stage::kConnecting;
  connection_ = open_ws_connection(io_, server_, "/v1/ws",
                                   WsCallbacks{[this](auto ec) { on_open(ec); },
                                               [this](std::string_view payload) { on_message(payload); },
                                               [this](auto ec) { on_closed(ec); }},
                                   source_);
}

uint64_t BenchUser::send(v1::ClientFrame& frame) {
  const uint64_t req_id = next_req_id_++;
  frame.set_req_id(req_id);
  connection_->send(protocol::encode(frame, protocol::Encoding::kBinary));
  return req_id;
}

void BenchUser::close() {
  on_lost_ = nullptr;  // an intended close is not a lost connection
  if (connection_) connection_->close();
}

void BenchUser::on_open(boost::system::error_code ec) {
  if (ec) return finish_setup("cannot connect: " + ec.message());
  token_.empty() ? send_register() : send_authenticate();
}

void BenchUser::send_register() {
  stage_ = Stage::kRegistering;
  v1::ClientFrame frame;
  frame.mutable_register_user()->set_user_id(user_id_);
  frame.mutable_register_user()->set_password(password_);
  setup_req_id_ = send(frame);
}

void BenchUser::send_login() {
  stage_ = Stage::kLoggingIn;
  v1::ClientFrame frame;
  auto* login = frame.mutable_login();
  login->set_user_id(user_id_);
  login->set_password(password_);
  login->set_device_id(kDeviceId);
  login->set_platform(v1::BOT);
  setup_req_id_ = send(frame);
}

void BenchUser::send_authenticate() {
  stage_ = Stage::kAuthenticating;
  v1::ClientFrame frame;
  frame.mutable_authenticate()->set_token(token_);
  setup_req_id_ = send(frame);
}

void BenchUser::on_message(std::string_view payload) {
  auto frame = protocol::decode_server_frame(payload, protocol::Encoding::kBinary);
  if (!frame) {
    if (on_undecodable_) on_undecodable_();
    return;
  }
  if (stage_ == Stage::kReady) {
    if (on_frame_) on_frame_(*frame);
    return;
  }
  if (frame->req_id() == setup_req_id_ && setup_req_id_ != 0) on_setup_answer(*frame);
}

void BenchUser::on_setup_answer(const v1::ServerFrame& frame) {
  if (frame.has_error()) {
    const auto code = frame.error().code();
    if (is_transient(code)) return retry_after_pause();
    if (stage_ == Stage::kRegistering && code == v1::CONFLICT) return send_login();  // registered earlier
    const char* what = stage_ == Stage::kRegistering ? "register_user"
                       : stage_ == Stage::kAuthenticating ? "authenticate"
                                                          : "login";
    return finish_setup(std::string(what) + " failed: " + code_name(code) + ": " + frame.error().message());
  }
  if (stage_ == Stage::kRegistering) return send_login();
  if (stage_ == Stage::kLoggingIn || stage_ == Stage::kAuthenticating) {
    stage_ = Stage::kReady;
    finish_setup(std::nullopt);
  }
}

void BenchUser::retry_after_pause() {
  if (++retries_ > kMaxRetries) return finish_setup("the server stayed busy; gave up after " +
                                                    std::to_string(kMaxRetries) + " retries");
  const Stage retrying = stage_;
  retry_timer_.expires_after(kRetryPause);
  retry_timer_.async_wait([this, retrying](boost::system::error_code ec) {
    if (ec || stage_ != retrying) return;
    if (retrying == Stage::kRegistering) send_register();
    else if (retrying == Stage::kAuthenticating) send_authenticate();
    else send_login();
  });
}

void BenchUser::on_closed(boost::system::error_code ec) {
  close_error_ = ec;
  const bool was_ready = stage_ == Stage::kReady;
  const bool setting_up = stage_ != Stage::kReady && stage_ != Stage::kLost && stage_ != Stage::kIdle;
  stage_ = Stage::kLost;
  if (setting_up) return finish_setup("connection closed during set-up: " + ec.message());
  if (was_ready && on_lost_) on_lost_();
}

void BenchUser::finish_setup(std::optional<std::string> error) {
  if (error) {
    stage_ = Stage::kLost;
    error = user_id_ + ": " + *error;
    if (connection_) connection_->close();
  }
  if (auto done = std::exchange(setup_done_, nullptr)) done(std::move(error));
}

}  // namespace parley::bench
