// One request in flight: who asked, how to answer, and the services to do it with. Copyable and cheap, so
// handlers capture it into their asynchronous continuations.
#pragma once

#include <memory>
#include <string>

#include "protocol/codec.h"
#include "server/api/connection.h"
#include "server/api/services.h"

namespace parley::server {

struct Request {
  Services* services;
  std::shared_ptr<Connection> conn;
  uint64_t req_id;

  // Answers with `frame` (its req_id is set here). Callable from any thread.
  void ok(v1::ServerFrame frame) const {
    frame.set_req_id(req_id);
    conn->respond(std::move(frame));
  }
  void error(const Error& e) const {
    services->metrics.count_error(e.code);
    conn->respond(protocol::error_frame(req_id, e.code, e.message));
  }
  void error(ErrorCode code, std::string message) const { error(Error{code, std::move(message)}); }

  // Runs `task` on a worker thread (blocking work allowed there), or answers UNAVAILABLE when they are full
  // and returns false (the task was dropped: release what it would have released).
  template <typename F>
  bool on_worker(F&& task) const {
    if (services->workers.submit(std::forward<F>(task))) return true;
    error(v1::UNAVAILABLE, "the server is busy; retry later");
    return false;
  }
};

// Handlers, one per request type, grouped by domain in account_api.cpp, message_api.cpp and sync_api.cpp.
// Each answers exactly once, possibly later and from another thread. They run on the connection's thread.
void handle_register_user(const Request& r, const v1::RegisterUserRequest& req);
void handle_login(const Request& r, const v1::LoginRequest& req);
void handle_authenticate(const Request& r, const v1::AuthenticateRequest& req);
void handle_refresh(const Request& r, const v1::RefreshRequest& req);
void handle_logout(const Request& r, const Identity& me);
void handle_list_devices(const Request& r, const Identity& me);
void handle_revoke_device(const Request& r, const Identity& me, const v1::RevokeDeviceRequest& req);
void handle_send_message(const Request& r, const Identity& me, v1::SendMessageRequest& req);
void handle_create_group(const Request& r, const Identity& me, v1::CreateGroupRequest& req);
void handle_add_members(const Request& r, const Identity& me, v1::AddMembersRequest& req);
void handle_remove_members(const Request& r, const Identity& me, v1::RemoveMembersRequest& req);
void handle_mark_read(const Request& r, const Identity& me, const v1::MarkReadRequest& req);
void handle_sync(const Request& r, const Identity& me, const v1::SyncRequest& req);
void handle_pull_messages(const Request& r, const Identity& me, const v1::PullMessagesRequest& req);

}  // namespace parley::server
