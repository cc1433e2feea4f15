#include "server/core/authz.h"

namespace parley::core {

using store::Role;

namespace {

const char* kNotMember = "you are not a member of this conversation";

Status denied(std::string message) { return fail(v1::PERMISSION_DENIED, std::move(message)); }

}  // namespace

bool is_manager(const Member& m) { return m && m->active && (m->role == Role::kOwner || m->role == Role::kAdmin); }

Status authorize_send(const Member& sender, const v1::GroupInfo* group, int64_t now_ms) {
  // A dismissed group made everyone a former member: say why rather than "not a member".
  if (group && group->dismissed() && sender) return denied("this group was dismissed");
  if (!sender || !sender->active) return denied(kNotMember);
  if (!group) return {};
  if (is_manager(sender)) return {};
  if (group->mute_all()) return denied("only the owner and admins can post in this group now");
  if (sender->silenced_until_ms > now_ms) return denied("you are silenced in this group for now");
  return {};
}

Status authorize_mention_all(const store::MemberRecord& sender, v1::ConversationKind kind) {
  if (kind != v1::GROUP) return fail(v1::INVALID_ARGUMENT, "@all is only for groups");
  if (!is_manager(sender)) return denied("only the owner and admins can mention everyone");
  return {};
}

Status authorize_operation(v1::MessageKind op, const store::MemberRecord& actor, v1::ConversationKind kind,
                           const v1::Message& target, int64_t now_ms, const store::Policy& policy) {
  const v1::MessageKind k = target.kind();
  if (k == v1::SYSTEM || k == v1::EDIT || k == v1::REVOKE || k == v1::REACTION) {
    return fail(v1::INVALID_ARGUMENT, "system messages and operations cannot be edited, revoked or reacted to");
  }
  if (target.revoked()) return fail(v1::CONFLICT, "the message was revoked");
  const bool mine = target.sender_id() == actor.user_id;
  const int64_t age = now_ms - target.timestamp_ms();
  switch (op) {
    case v1::EDIT:
      if (!mine) return denied("you can only edit your own messages");
      if (k != v1::TEXT && k != v1::CUSTOM) return fail(v1::INVALID_ARGUMENT, "only text and custom messages can be edited");
      if (age >= policy.edit_window_ms) return denied("the message is too old to edit");  // a 0 window: never
      return {};
    case v1::REVOKE:
      if (kind == v1::GROUP && is_manager(actor)) return {};
      if (!mine) return denied("you can only revoke your own messages");
      if (age >= policy.revoke_window_ms) return denied("the message is too old to revoke");
      return {};
    case v1::REACTION:
      return {};
    default:
      return fail(v1::INVALID_ARGUMENT, "not an operation");
  }
}

Result<std::pair<uint64_t, uint64_t>> visible_range(const Member& reader, uint64_t max_seq) {
  if (!reader) return fail(v1::PERMISSION_DENIED, kNotMember);
  uint64_t hi = reader->active ? max_seq : std::min(max_seq, reader->last_seq);
  return std::pair{reader->min_seq, hi};
}

Status authorize_member_change(const Member& actor, const v1::GroupInfo& group, store::Store::MemberOp op,
                               const std::vector<std::string>& targets, const std::vector<Member>& target_members) {
  if (group.dismissed() && actor) return denied("this group was dismissed");
  if (!actor || !actor->active) return denied("you are not a member of this group");
  const bool manager = is_manager(actor);
  if (op == store::Store::MemberOp::kAdd) {
    if (!manager && group.join_policy() != v1::OPEN) {
      return denied("only the owner and admins can add members to this group");
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      if (target_members[i] && target_members[i]->active) {
        return fail(v1::CONFLICT, "user " + targets[i] + " is already a member");
      }
    }
    return {};
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& target = target_members[i];
    if (!target || !target->active) return fail(v1::NOT_FOUND, "user " + targets[i] + " is not a member");
    const bool self = targets[i] == actor->user_id;
    if (target->role == Role::kOwner) {
      return denied(self ? "the owner cannot leave the group (transfer ownership or dismiss it)"
                         : "the owner cannot be removed");
    }
    if (self) continue;
    if (!manager) return denied("only the owner and admins can remove other members");
    if (target->role == Role::kAdmin && actor->role != Role::kOwner) return denied("only the owner can remove an admin");
  }
  return {};
}

Status authorize_group_op(const store::GroupOp& op, const Member& actor, const v1::GroupInfo& group,
                          const std::vector<Member>& targets) {
  using K = store::GroupOp::Kind;
  if (group.dismissed() && actor) return denied("this group was dismissed");
  if (!actor || !actor->active) return denied("you are not a member of this group");
  const bool owner = actor->role == Role::kOwner;
  auto each_target_active = [&]() -> Status {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!targets[i] || !targets[i]->active) return fail(v1::NOT_FOUND, "user " + op.users[i] + " is not a member");
    }
    return {};
  };
  switch (op.kind) {
    case K::kUpdate:
    case K::kRespondJoin:
      if (!is_manager(actor)) return denied("only the owner and admins can do this");
      return {};
    case K::kSetRole:
      if (!owner) return denied("only the owner can change roles");
      if (op.role != v1::ADMIN && op.role != v1::MEMBER) return fail(v1::INVALID_ARGUMENT, "role must be ADMIN or MEMBER");
      if (auto ok = each_target_active(); !ok) return ok;
      for (const auto& t : targets) {
        if (t->role == Role::kOwner) return fail(v1::INVALID_ARGUMENT, "the owner's role changes only by transfer");
      }
      return {};
    case K::kTransfer:
      if (!owner) return denied("only the owner can transfer ownership");
      if (auto ok = each_target_active(); !ok) return ok;
      if (targets.size() != 1 || targets[0]->user_id == actor->user_id) {
        return fail(v1::INVALID_ARGUMENT, "transfer ownership to one other member");
      }
      return {};
    case K::kDismiss:
      if (!owner) return denied("only the owner can dismiss the group");
      return {};
    case K::kSilence:
      if (!is_manager(actor)) return denied("only the owner and admins can silence members");
      if (auto ok = each_target_active(); !ok) return ok;
      for (const auto& t : targets) {
        if (t->role == Role::kOwner) return denied("the owner cannot be silenced");
        if (t->role == Role::kAdmin && !owner) return denied("only the owner can silence an admin");
      }
      return {};
    case K::kJoin:
      return {};
  }
  return fail(v1::INTERNAL, "unknown group operation");
}

}  // namespace parley::core
