// Group administration and the group reads. Changes become SYSTEM messages delivered to the members.
#include "server/api/request.h"

namespace parley::server {
namespace {

constexpr int kMaxUsersPerOp = 1000;
constexpr size_t kMaxJoinMessage = 256;

v1::ServerFrame change_response(v1::ClientFrame::RequestCase request, const store::MembershipChange& change) {
  using F = v1::ClientFrame;
  v1::ServerFrame out;
  if (request == F::kJoinGroup) {
    out.mutable_join_group()->set_joined(change.joined);
    out.mutable_join_group()->set_seq(change.system_message.seq());
    return out;
  }
  v1::GroupChangeResponse r;
  r.set_seq(change.system_message.seq());
  *r.mutable_group() = change.group;
  switch (request) {
    case F::kUpdateGroup: *out.mutable_update_group() = std::move(r); break;
    case F::kRespondJoinRequest: *out.mutable_respond_join_request() = std::move(r); break;
    case F::kSetMemberRole: *out.mutable_set_member_role() = std::move(r); break;
    case F::kTransferOwnership: *out.mutable_transfer_ownership() = std::move(r); break;
    case F::kDismissGroup: *out.mutable_dismiss_group() = std::move(r); break;
    default: *out.mutable_silence_members() = std::move(r); break;
  }
  return out;
}

template <typename Ids>
bool collect_users(const Request& r, const Ids& ids, std::vector<std::string>& out) {
  if (ids.empty() || ids.size() > kMaxUsersPerOp) {
    r.error(v1::INVALID_ARGUMENT, "user_ids must hold 1 to 1000 user ids");
    return false;
  }
  for (const auto& id : ids) {
    if (!check_user_id(r, id, "user_ids")) return false;
    out.push_back(id);
  }
  return true;
}

}  // namespace

void handle_group_op(const Request& r, const Identity& me, v1::ClientFrame& frame) {
  using F = v1::ClientFrame;
  using K = store::GroupOp::Kind;
  store::GroupOp op;
  op.actor = me.user_id;
  op.now_ms = r.services->clock.now_ms();
  switch (frame.request_case()) {
    case F::kUpdateGroup: {
      op.kind = K::kUpdate;
      op.conversation_id = frame.update_group().conversation_id();
      op.update = std::move(*frame.mutable_update_group());
      v1::GroupInfo proposed;
      proposed.set_name(op.update.name());
      proposed.set_avatar_url(op.update.avatar_url());
      proposed.set_description(op.update.description());
      proposed.set_announcement(op.update.announcement());
      proposed.set_join_policy(op.update.join_policy());
      if (auto ok = validate_group_settings(proposed); !ok) return r.error(ok.error());
      break;
    }
    case F::kJoinGroup:
      op.kind = K::kJoin;
      op.conversation_id = frame.join_group().conversation_id();
      op.message = frame.join_group().message();
      if (op.message.size() > kMaxJoinMessage) return r.error(v1::INVALID_ARGUMENT, "message must be at most 256 bytes");
      break;
    case F::kRespondJoinRequest:
      op.kind = K::kRespondJoin;
      op.conversation_id = frame.respond_join_request().conversation_id();
      op.accept = frame.respond_join_request().accept();
      if (!check_user_id(r, frame.respond_join_request().user_id())) return;
      op.users = {frame.respond_join_request().user_id()};
      break;
    case F::kSetMemberRole:
      op.kind = K::kSetRole;
      op.conversation_id = frame.set_member_role().conversation_id();
      op.role = frame.set_member_role().role();
      if (!collect_users(r, frame.set_member_role().user_ids(), op.users)) return;
      break;
    case F::kTransferOwnership:
      op.kind = K::kTransfer;
      op.conversation_id = frame.transfer_ownership().conversation_id();
      if (!check_user_id(r, frame.transfer_ownership().user_id())) return;
      op.users = {frame.transfer_ownership().user_id()};
      break;
    case F::kDismissGroup:
      op.kind = K::kDismiss;
      op.conversation_id = frame.dismiss_group().conversation_id();
      break;
    case F::kSilenceMembers:
      op.kind = K::kSilence;
      op.conversation_id = frame.silence_members().conversation_id();
      op.until_ms = frame.silence_members().until_ms();
      if (op.until_ms < 0) return r.error(v1::INVALID_ARGUMENT, "until_ms must not be negative");
      if (!collect_users(r, frame.silence_members().user_ids(), op.users)) return;
      break;
    default:
      return r.error(v1::UNKNOWN_REQUEST, "unknown request type");
  }
  if (!check_conversation_id(r, op.conversation_id, v1::GROUP)) return;
  // Users named twice count once.
  std::sort(op.users.begin(), op.users.end());
  op.users.erase(std::unique(op.users.begin(), op.users.end()), op.users.end());
  const auto request = frame.request_case();
  r.services->store.change_group(std::move(op), [r, request](Result<store::MembershipChange> change) {
    if (!change) return r.error(change.error());
    publish_notices(r, std::move(change->notices));
    v1::ServerFrame out = change_response(request, *change);
    if (change->system_message.seq() != 0) fan_out(r, change->recipients, std::move(change->system_message));
    r.ok(std::move(out));
  });
}

void handle_get_group(const Request& r, const Identity& me, const v1::GetGroupRequest& req) {
  if (!check_conversation_id(r, req.conversation_id(), v1::GROUP)) return;
  r.on_worker([r, me, conv = req.conversation_id()] {
    auto group = r.services->store.get_group(conv, me.user_id);
    if (!group) return r.error(group.error());
    v1::ServerFrame out;
    *out.mutable_get_group() = std::move(*group);
    r.ok(std::move(out));
  });
}

void handle_list_members(const Request& r, const Identity& me, const v1::ListMembersRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  const uint32_t limit = req.limit() == 0 || req.limit() > 500 ? 500 : req.limit();
  r.on_worker([r, me, req, limit] {
    auto members = r.services->store.list_members(req.conversation_id(), me.user_id, req.after_user_id(), limit);
    if (!members) return r.error(members.error());
    v1::ServerFrame out;
    *out.mutable_list_members() = std::move(*members);
    r.ok(std::move(out));
  });
}

void handle_list_join_requests(const Request& r, const Identity& me, const v1::ListJoinRequestsRequest& req) {
  if (!check_conversation_id(r, req.conversation_id(), v1::GROUP)) return;
  r.on_worker([r, me, conv = req.conversation_id()] {
    auto requests = r.services->store.list_join_requests(conv, me.user_id);
    if (!requests) return r.error(requests.error());
    v1::ServerFrame out;
    out.mutable_list_join_requests();
    for (auto& q : *requests) *out.mutable_list_join_requests()->add_requests() = std::move(q);
    r.ok(std::move(out));
  });
}

void handle_search_groups(const Request& r, const Identity& me, const v1::SearchGroupsRequest& req) {
  if (req.query().empty() || req.query().size() > 128) return r.error(v1::INVALID_ARGUMENT, "query must be 1-128 bytes");
  const uint32_t limit = req.limit() == 0 ? 20 : std::min<uint32_t>(req.limit(), 100);
  r.on_worker([r, query = req.query(), limit] {
    auto groups = r.services->store.search_groups(query, limit);
    if (!groups) return r.error(groups.error());
    v1::ServerFrame out;
    out.mutable_search_groups();
    for (auto& g : *groups) *out.mutable_search_groups()->add_groups() = std::move(g);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
