#include "server/api/api.h"

#include "server/api/request.h"

namespace parley::server {

void Api::handle(const std::shared_ptr<Connection>& conn, v1::ClientFrame& frame) {
  Request r{&services_, conn, frame.req_id()};
  using F = v1::ClientFrame;
  switch (frame.request_case()) {
    case F::kRegisterUser: return handle_register_user(r, frame.register_user());
    case F::kLogin: return handle_login(r, frame.login());
    case F::kAuthenticate: return handle_authenticate(r, frame.authenticate());
    case F::kRefresh: return handle_refresh(r, frame.refresh());
    case F::kPing: {
      v1::ServerFrame out;
      out.mutable_ping()->set_server_time_ms(services_.clock.now_ms());
      return r.ok(std::move(out));
    }
    default: break;
  }
  if (!conn->identity()) return r.error(v1::UNAUTHENTICATED, "log in or authenticate first");
  const Identity& me = *conn->identity();
  switch (frame.request_case()) {
    case F::kLogout: return handle_logout(r, me);
    case F::kListDevices: return handle_list_devices(r, me);
    case F::kRevokeDevice: return handle_revoke_device(r, me, frame.revoke_device());
    case F::kSendMessage: return handle_send_message(r, me, *frame.mutable_send_message());
    case F::kCreateGroup: return handle_create_group(r, me, *frame.mutable_create_group());
    case F::kAddMembers: return handle_add_members(r, me, *frame.mutable_add_members());
    case F::kRemoveMembers: return handle_remove_members(r, me, *frame.mutable_remove_members());
    case F::kMarkRead: return handle_mark_read(r, me, frame.mark_read());
    case F::kSync: return handle_sync(r, me, frame.sync());
    case F::kPullMessages: return handle_pull_messages(r, me, frame.pull_messages());
    case F::kEditMessage: return handle_edit_message(r, me, *frame.mutable_edit_message());
    case F::kRevokeMessage: return handle_revoke_message(r, me, *frame.mutable_revoke_message());
    case F::kReact: return handle_react(r, me, *frame.mutable_react());
    case F::kListReactions: return handle_list_reactions(r, me, frame.list_reactions());
    case F::kDeleteMessages: return handle_delete_messages(r, me, frame.delete_messages());
    case F::kClearConversation: return handle_clear_conversation(r, me, frame.clear_conversation());
    case F::kUpdateConversationSettings:
      return handle_update_conversation_settings(r, me, frame.update_conversation_settings());
    case F::kMarkDelivered: return handle_mark_delivered(r, me, frame.mark_delivered());
    case F::kGetReadReceipts: return handle_get_read_receipts(r, me, frame.get_read_receipts());
    case F::kGetUnreadTotal: return handle_get_unread_total(r, me);
    case F::kTyping: return handle_typing(r, me, frame.typing());
    case F::kSendFriendRequest:
    case F::kRespondFriendRequest:
    case F::kCancelFriendRequest:
    case F::kRemoveFriend:
    case F::kSetFriendRemark:
    case F::kBlockUser:
    case F::kUnblockUser:
    case F::kSetPrivacy: return handle_social(r, me, frame);
    case F::kListFriends: return handle_list_friends(r, me);
    case F::kListFriendRequests: return handle_list_friend_requests(r, me);
    case F::kListBlocked: return handle_list_blocked(r, me);
    case F::kGetPrivacy: return handle_get_privacy(r, me);
    case F::kSearchUsers: return handle_search_users(r, me, frame.search_users());
    case F::kSetPresence: return handle_set_presence(r, me, frame.set_presence());
    case F::kSubscribePresence: return handle_subscribe_presence(r, me, frame.subscribe_presence());
    case F::kUnsubscribePresence: return handle_unsubscribe_presence(r, me, frame.unsubscribe_presence());
    case F::kUpdateGroup:
    case F::kJoinGroup:
    case F::kRespondJoinRequest:
    case F::kSetMemberRole:
    case F::kTransferOwnership:
    case F::kDismissGroup:
    case F::kSilenceMembers: return handle_group_op(r, me, frame);
    case F::kGetGroup: return handle_get_group(r, me, frame.get_group());
    case F::kListMembers: return handle_list_members(r, me, frame.list_members());
    case F::kListJoinRequests: return handle_list_join_requests(r, me, frame.list_join_requests());
    case F::kSearchGroups: return handle_search_groups(r, me, frame.search_groups());
    case F::kSearchMessages: return handle_search_messages(r, me, frame.search_messages());
    case F::kGetBlobUrl: return handle_get_blob_url(r, me, frame.get_blob_url());
    default: return r.error(v1::UNKNOWN_REQUEST, "unknown request type");
  }
}

void Api::on_close(Connection& conn) {
  if (!conn.identity()) return;
  services_.bus.detach(conn.identity()->user_id, conn.id());
  services_.presence.disconnected(conn.identity()->user_id, conn.id());
}

}  // namespace parley::server
