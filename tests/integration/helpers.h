// Shared set-up for the integration tests: a real parleyd per test and users to talk to it as.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server_process.h"
#include "ws_client.h"

namespace parley::testing {

inline v1::ClientFrame ping_frame() {
  v1::ClientFrame f;
  f.mutable_ping();
  return f;
}

// Registers `user` over the WebSocket API (argon2id: tens of milliseconds).
inline v1::ServerFrame register_user(WsClient& c, const std::string& user, const std::string& password) {
  v1::ClientFrame f;
  f.mutable_register_user()->set_user_id(user);
  f.mutable_register_user()->set_password(password);
  return c.call(f);
}

// A connection authenticated as `user` on `device`, the user created through the admin API if needed.
inline std::unique_ptr<WsClient> connect_as(const ServerProcess& server, const std::string& user,
                                            const std::string& device,
                                            protocol::Encoding encoding = protocol::Encoding::kBinary) {
  std::string token = admin_user_token(server.port(), user, device);
  auto c = std::make_unique<WsClient>(server.port(), encoding);
  c->authenticate(token);
  return c;
}

inline bool is_error(const v1::ServerFrame& f, v1::ErrorCode code) {
  return f.has_error() && f.error().code() == code;
}

// Sends `frame` and fails the test unless the answer is a success; returns the answer.
inline v1::ServerFrame must(WsClient& c, const v1::ClientFrame& frame) {
  auto out = c.call(frame);
  EXPECT_FALSE(out.has_error()) << "request " << frame.ShortDebugString() << " failed: " << out.ShortDebugString();
  return out;
}

// Builds a ClientFrame by filling one request in place: frame([](auto& f) { f.mutable_ping(); }).
template <typename F>
v1::ClientFrame frame(F&& fill) {
  v1::ClientFrame f;
  fill(f);
  return f;
}

// The conversation's summary from a full sync (fails the test when it is not there).
inline v1::ConversationSummary summary_of(WsClient& c, const std::string& conversation_id) {
  uint64_t cursor = 0;
  v1::ConversationSummary found;
  for (int page = 0; page < 100; ++page) {
    auto out = must(c, frame([&](auto& f) { f.mutable_sync()->set_cursor(cursor); }));
    for (const auto& s : out.sync().conversations()) {
      if (s.conversation_id() == conversation_id) found = s;
    }
    cursor = out.sync().cursor();
    if (!out.sync().has_more()) break;
  }
  EXPECT_EQ(found.conversation_id(), conversation_id) << "not in sync";
  return found;
}

// Waits for an event of the given kind (skipping others).
inline std::optional<v1::Event> wait_for_event(WsClient& c, v1::Event::KindCase kind,
                                               std::chrono::milliseconds timeout = 10s) {
  auto f = c.wait_event([&](const v1::Event& e) { return e.kind_case() == kind; }, timeout);
  if (!f) return std::nullopt;
  return f->event();
}

#define EXPECT_ERROR(frame, code_) \
  EXPECT_TRUE(::parley::testing::is_error((frame), (code_))) << "got: " << (frame).ShortDebugString()

}  // namespace parley::testing
