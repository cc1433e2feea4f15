// A blocking WebSocket client of the native protocol for tests: every wait has a timeout, events that arrive
// while waiting for a response are kept for later. Beast stays inside ws_client.cpp.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parley/v1/envelope.pb.h"
#include "protocol/codec.h"

namespace parley::testing {

using namespace std::chrono_literals;

class WsClient {
 public:
  // Connects to ws://127.0.0.1:port/v1/ws. Frames are sent in `encoding`. Throws on failure.
  WsClient(uint16_t port, protocol::Encoding encoding);
  ~WsClient();

  // Sends `frame` with a fresh req_id and waits for its response. Events seen meanwhile are queued.
  // Returns a frame with error UNAVAILABLE "timeout"/"closed" when none came.
  v1::ServerFrame call(v1::ClientFrame frame, std::chrono::milliseconds timeout = 10s);

  // Sends bytes as they are (text or binary frame).
  void send_raw(std::string_view payload, bool text);
  // Sends `frame` without waiting; returns its req_id.
  uint64_t send(v1::ClientFrame frame);

  // The next frame of any kind (queued events first), or nullopt on timeout/close.
  std::optional<v1::ServerFrame> next_frame(std::chrono::milliseconds timeout = 10s);
  // The next event matching `pred` (non-matching events are dropped), or nullopt.
  std::optional<v1::ServerFrame> wait_event(const std::function<bool(const v1::Event&)>& pred,
                                            std::chrono::milliseconds timeout = 10s);
  // Waits for a message event (skipping other events).
  std::optional<v1::Message> wait_message(std::chrono::milliseconds timeout = 10s);
  // True when no frame arrives within `window` (used to prove an event was NOT sent; keep windows short).
  bool quiet_for(std::chrono::milliseconds window);

  // Waits until the server closes the connection; returns the close code (0 on timeout).
  int wait_closed(std::chrono::milliseconds timeout = 10s);
  bool is_closed() const;

  // Stops reading from the socket (to act as a slow consumer), and starts again.
  void stop_reading();
  void resume_reading();
  // After wait_closed(): the reason text of the server's close frame ("" without one).
  std::string close_reason() const;

  // Convenience requests; each fails the current test when the response is an error.
  v1::SessionInfo login(const std::string& user, const std::string& password, const std::string& device,
                        v1::Platform platform = v1::LINUX);
  void authenticate(const std::string& token);
  v1::SendMessageResponse send_text(const std::string& conversation, const std::string& text,
                                    const std::string& client_msg_id = "");

 private:
  struct Impl;
  std::optional<v1::ServerFrame> read_frame(std::chrono::milliseconds timeout);
  std::unique_ptr<Impl> impl_;
  std::deque<v1::ServerFrame> events_;
  uint64_t next_req_id_ = 1;
  protocol::Encoding encoding_;
};

// A minimal HTTP/1.1 request to 127.0.0.1:port, with optional extra request headers. Returns status, body and
// the response headers (names in lower case).
struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;
HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& bearer = "", const HttpHeaders& extra = {});

}  // namespace parley::testing
