// Friends, blocks, privacy and the user directory.
#include "server/api/request.h"

namespace parley::server {
namespace {

constexpr size_t kMaxRequestMessage = 256, kMaxRemark = 64;

}  // namespace

void recheck_presence_subscribers(const Request& r, const std::string& target);

void handle_social(const Request& r, const Identity& me, v1::ClientFrame& frame) {
  using F = v1::ClientFrame;
  using K = store::SocialOp::Kind;
  store::SocialOp op;
  op.actor = me.user_id;
  op.now_ms = r.services->clock.now_ms();
  switch (frame.request_case()) {
    case F::kSendFriendRequest:
      op.kind = K::kRequest;
      op.other = frame.send_friend_request().user_id();
      op.text = frame.send_friend_request().message();
      if (op.text.size() > kMaxRequestMessage) return r.error(v1::INVALID_ARGUMENT, "message must be at most 256 bytes");
      if (int64_t wait_ms = 0; !r.services->limits.friend_requests_per_user.allow(me.user_id, op.now_ms, &wait_ms)) {
        return r.error(v1::RATE_LIMITED, "you have sent " + std::to_string(r.services->config.max_friend_requests_per_day) +
                                             " friend requests today; " + retry_in(wait_ms));
      }
      break;
    case F::kRespondFriendRequest:
      op.kind = frame.respond_friend_request().accept() ? K::kAccept : K::kDecline;
      op.other = frame.respond_friend_request().user_id();
      break;
    case F::kCancelFriendRequest:
      op.kind = K::kCancel;
      op.other = frame.cancel_friend_request().user_id();
      break;
    case F::kRemoveFriend:
      op.kind = K::kRemove;
      op.other = frame.remove_friend().user_id();
      break;
    case F::kSetFriendRemark:
      op.kind = K::kRemark;
      op.other = frame.set_friend_remark().user_id();
      op.text = frame.set_friend_remark().remark();
      if (op.text.size() > kMaxRemark) return r.error(v1::INVALID_ARGUMENT, "remark must be at most 64 bytes");
      break;
    case F::kBlockUser:
      op.kind = K::kBlock;
      op.other = frame.block_user().user_id();
      break;
    case F::kUnblockUser:
      op.kind = K::kUnblock;
      op.other = frame.unblock_user().user_id();
      break;
    case F::kSetPrivacy:
      op.kind = K::kPrivacy;
      op.privacy = frame.set_privacy().privacy();
      if (!v1::PresenceVisibility_IsValid(op.privacy.presence())) return r.error(v1::INVALID_ARGUMENT, "unknown presence visibility");
      break;
    default:
      return r.error(v1::UNKNOWN_REQUEST, "unknown request type");
  }
  if (op.kind != K::kPrivacy && !check_user_id(r, op.other)) return;
  const auto request_case = frame.request_case();
  r.services->store.change_social(op, [r, op, request_case](Result<store::SocialResult> result) {
    if (!result) return r.error(result.error());
    publish_notices(r, std::move(result->notices));
    if (op.kind == K::kBlock || op.kind == K::kRemove || op.kind == K::kPrivacy) {
      recheck_presence_subscribers(r, op.actor);
      if (op.kind == K::kRemove) recheck_presence_subscribers(r, op.other);
    }
    v1::ServerFrame out;
    switch (request_case) {
      case F::kSendFriendRequest: out.mutable_send_friend_request()->set_became_friends(result->became_friends); break;
      case F::kRespondFriendRequest: out.mutable_respond_friend_request(); break;
      case F::kCancelFriendRequest: out.mutable_cancel_friend_request(); break;
      case F::kRemoveFriend: out.mutable_remove_friend(); break;
      case F::kSetFriendRemark: out.mutable_set_friend_remark(); break;
      case F::kBlockUser: out.mutable_block_user(); break;
      case F::kUnblockUser: out.mutable_unblock_user(); break;
      default: *out.mutable_set_privacy()->mutable_privacy() = op.privacy; break;
    }
    r.ok(std::move(out));
  });
}

void handle_list_friends(const Request& r, const Identity& me) {
  r.on_worker([r, me] {
    auto friends = r.services->store.list_friends(me.user_id);
    if (!friends) return r.error(friends.error());
    v1::ServerFrame out;
    out.mutable_list_friends();
    for (auto& f : *friends) *out.mutable_list_friends()->add_friends() = std::move(f);
    r.ok(std::move(out));
  });
}

void handle_list_friend_requests(const Request& r, const Identity& me) {
  r.on_worker([r, me] {
    auto requests = r.services->store.list_friend_requests(me.user_id);
    if (!requests) return r.error(requests.error());
    v1::ServerFrame out;
    *out.mutable_list_friend_requests() = std::move(*requests);
    r.ok(std::move(out));
  });
}

void handle_list_blocked(const Request& r, const Identity& me) {
  r.on_worker([r, me] {
    auto users = r.services->store.list_blocked(me.user_id);
    if (!users) return r.error(users.error());
    v1::ServerFrame out;
    out.mutable_list_blocked();
    for (auto& u : *users) *out.mutable_list_blocked()->add_users() = std::move(u);
    r.ok(std::move(out));
  });
}

void handle_get_privacy(const Request& r, const Identity& me) {
  r.on_worker([r, me] {
    auto user = r.services->store.get_user(me.user_id);
    if (!user) return r.error(user.error());
    v1::ServerFrame out;
    *out.mutable_get_privacy()->mutable_privacy() = user->privacy;
    r.ok(std::move(out));
  });
}

void handle_search_users(const Request& r, const Identity& me, const v1::SearchUsersRequest& req) {
  if (req.query().empty() || req.query().size() > 64) return r.error(v1::INVALID_ARGUMENT, "query must be 1-64 bytes");
  const uint32_t limit = req.limit() == 0 ? 20 : std::min<uint32_t>(req.limit(), 100);
  r.on_worker([r, query = req.query(), limit] {
    auto users = r.services->store.search_users(query, limit);
    if (!users) return r.error(users.error());
    v1::ServerFrame out;
    out.mutable_search_users();
    for (auto& u : *users) *out.mutable_search_users()->add_users() = std::move(u);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
