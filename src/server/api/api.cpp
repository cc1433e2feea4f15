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
    default: return r.error(v1::UNKNOWN_REQUEST, "unknown request type");
  }
}

void Api::on_close(Connection& conn) {
  if (conn.identity()) services_.bus.detach(conn.identity()->user_id, conn.id());
}

}  // namespace parley::server
