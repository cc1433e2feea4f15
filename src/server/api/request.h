// One request in flight: who asked, how to answer, and the services to do it with. Copyable and cheap, so
// handlers capture it into their asynchronous continuations.
#pragma once

#include <memory>
#include <string>

#include "protocol/codec.h"
#include "server/api/connection.h"
#include "server/api/services.h"
#include "server/core/ids.h"
#include "server/core/message_rules.h"

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

// Publishes `frame` as an event to every online device of `users` except the requesting connection.
inline size_t publish(const Request& r, const std::vector<std::string>& users, v1::ServerFrame frame) {
  return r.services->bus.publish(users, protocol::make_shared_frame(std::move(frame)), r.conn->id());
}

// Publishes each notice to its user's devices (except the requesting connection).
inline void publish_notices(const Request& r, std::vector<store::Notice> notices) {
  for (auto& n : notices) {
    v1::ServerFrame frame;
    *frame.mutable_event() = std::move(n.event);
    publish(r, {n.user_id}, std::move(frame));
  }
}

// Answers INVALID_ARGUMENT and returns false unless `id` is a conversation id (of `kind`, when given).
inline bool check_conversation_id(const Request& r, const std::string& id,
                                  v1::ConversationKind kind = v1::CONVERSATION_KIND_UNSPECIFIED) {
  v1::ConversationKind actual = core::conversation_kind(id);
  if (actual == v1::CONVERSATION_KIND_UNSPECIFIED) {
    r.error(v1::INVALID_ARGUMENT, "conversation_id is not a valid conversation id (d:<a>:<b> or g:<id>)");
    return false;
  }
  if (kind != v1::CONVERSATION_KIND_UNSPECIFIED && actual != kind) {
    r.error(v1::INVALID_ARGUMENT, kind == v1::GROUP ? "conversation_id must be a group id (g:<id>)"
                                                    : "conversation_id must be a direct conversation id");
    return false;
  }
  return true;
}

// Answers INVALID_ARGUMENT and returns false unless `id` is a user id.
inline bool check_user_id(const Request& r, const std::string& id, const char* field = "user_id") {
  if (core::is_valid_name(id)) return true;
  r.error(v1::INVALID_ARGUMENT, std::string(field) + " is not a valid user id");
  return false;
}

// Client message ids (sends and operations) are 1-64 bytes.
constexpr size_t kMaxClientMsgId = 64;

// Shared by the message handlers (message_api.cpp).
Status validate_group_settings(const v1::GroupInfo& group);
v1::ServerFrame message_event(v1::Message message);
void fan_out(const Request& r, const std::vector<std::string>& recipients, v1::Message message);
core::MessageLimits message_limits(const Config& config);

// Handlers, one per request type, grouped by domain: account_api.cpp, message_api.cpp, operation_api.cpp,
// conversation_api.cpp, group_api.cpp, social_api.cpp, presence_api.cpp, search_api.cpp, sync_api.cpp.
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
void handle_edit_message(const Request& r, const Identity& me, v1::EditMessageRequest& req);
void handle_revoke_message(const Request& r, const Identity& me, v1::RevokeMessageRequest& req);
void handle_react(const Request& r, const Identity& me, v1::ReactRequest& req);
void handle_list_reactions(const Request& r, const Identity& me, const v1::ListReactionsRequest& req);
void handle_delete_messages(const Request& r, const Identity& me, const v1::DeleteMessagesRequest& req);
void handle_clear_conversation(const Request& r, const Identity& me, const v1::ClearConversationRequest& req);
void handle_update_conversation_settings(const Request& r, const Identity& me,
                                         const v1::UpdateConversationSettingsRequest& req);
void handle_mark_delivered(const Request& r, const Identity& me, const v1::MarkDeliveredRequest& req);
void handle_get_read_receipts(const Request& r, const Identity& me, const v1::GetReadReceiptsRequest& req);
void handle_get_unread_total(const Request& r, const Identity& me);
void handle_typing(const Request& r, const Identity& me, const v1::TypingRequest& req);
void handle_social(const Request& r, const Identity& me, v1::ClientFrame& frame);
void handle_list_friends(const Request& r, const Identity& me);
void handle_list_friend_requests(const Request& r, const Identity& me);
void handle_list_blocked(const Request& r, const Identity& me);
void handle_get_privacy(const Request& r, const Identity& me);
void handle_search_users(const Request& r, const Identity& me, const v1::SearchUsersRequest& req);
void handle_set_presence(const Request& r, const Identity& me, const v1::SetPresenceRequest& req);
void handle_subscribe_presence(const Request& r, const Identity& me, const v1::SubscribePresenceRequest& req);
void handle_unsubscribe_presence(const Request& r, const Identity& me, const v1::UnsubscribePresenceRequest& req);
void handle_group_op(const Request& r, const Identity& me, v1::ClientFrame& frame);
void handle_get_group(const Request& r, const Identity& me, const v1::GetGroupRequest& req);
void handle_list_members(const Request& r, const Identity& me, const v1::ListMembersRequest& req);
void handle_list_join_requests(const Request& r, const Identity& me, const v1::ListJoinRequestsRequest& req);
void handle_search_groups(const Request& r, const Identity& me, const v1::SearchGroupsRequest& req);
void handle_search_messages(const Request& r, const Identity& me, const v1::SearchMessagesRequest& req);
void handle_get_blob_url(const Request& r, const Identity& me, const v1::GetBlobUrlRequest& req);  // media_api.cpp

}  // namespace parley::server
