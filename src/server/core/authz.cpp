#include "server/core/authz.h"

namespace parley::core {

using store::Role;

Status authorize_send(const std::optional<store::MemberRecord>& sender) {
  if (!sender || !sender->active) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
  return {};
}

Result<std::pair<uint64_t, uint64_t>> visible_range(const std::optional<store::MemberRecord>& reader,
                                                    uint64_t max_seq) {
  if (!reader) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
  uint64_t hi = reader->active ? max_seq : std::min(max_seq, reader->last_seq);
  return std::pair{reader->min_seq, hi};
}

Status authorize_member_change(const std::optional<store::MemberRecord>& actor, store::Store::MemberOp op,
                               const std::vector<std::string>& targets,
                               const std::vector<std::optional<store::MemberRecord>>& target_members) {
  if (!actor || !actor->active) return fail(v1::PERMISSION_DENIED, "you are not a member of this group");
  const bool manager = actor->role == Role::kOwner || actor->role == Role::kAdmin;
  if (op == store::Store::MemberOp::kAdd) {
    if (!manager) return fail(v1::PERMISSION_DENIED, "only the owner and admins can add members");
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
    if (target->role == Role::kOwner) {
      return fail(v1::PERMISSION_DENIED, targets[i] == actor->user_id
                                             ? "the owner cannot leave the group"
                                             : "the owner cannot be removed");
    }
    if (targets[i] != actor->user_id && !manager) {
      return fail(v1::PERMISSION_DENIED, "only the owner and admins can remove other members");
    }
  }
  return {};
}

}  // namespace parley::core
