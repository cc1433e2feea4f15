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

#define EXPECT_ERROR(frame, code_) \
  EXPECT_TRUE(::parley::testing::is_error((frame), (code_))) << "got: " << (frame).ShortDebugString()

}  // namespace parley::testing
