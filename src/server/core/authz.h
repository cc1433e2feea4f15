// Authorization: who may do what in a conversation. The one place these rules live (DESIGN §2.7); the
// store calls them inside its write transaction, so a check and the write it guards cannot race.
// tests/integration/authz_matrix_test.cpp checks every request type against every kind of caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/store/store.h"

namespace parley::core {

using Member = std::optional<store::MemberRecord>;

// Posting needs an active membership. In groups (group != nullptr) also: the group is not dismissed, the
// sender is not silenced, and under mute_all only the owner and admins post.
Status authorize_send(const Member& sender, const v1::GroupInfo* group, int64_t now_ms);

// @all: groups only, owner and admins only.
Status authorize_mention_all(const store::MemberRecord& sender, v1::ConversationKind kind);

// EDIT: my own TEXT or CUSTOM message younger than the edit window. REVOKE: my own message younger than the revoke
// window, or any message in a group I own or administer. REACTION: any message that is not revoked.
// Never on system messages or other operations.
Status authorize_operation(v1::MessageKind op, const store::MemberRecord& actor, v1::ConversationKind kind,
                           const v1::Message& target, int64_t now_ms, const store::Policy& policy);

// Reading needs a membership (active or former); returns the visible seq range [lo, hi] given the
// conversation's max_seq.
Result<std::pair<uint64_t, uint64_t>> visible_range(const Member& reader, uint64_t max_seq);

// Adding needs owner or admin (any member in an OPEN group); removing others needs owner or admin (and an
// admin cannot remove the owner or another admin); anyone may remove themselves except the owner.
Status authorize_member_change(const Member& actor, const v1::GroupInfo& group, store::Store::MemberOp op,
                               const std::vector<std::string>& targets, const std::vector<Member>& target_members);

// Group administration (GroupOp kinds other than kJoin): see each rule in authz.cpp.
Status authorize_group_op(const store::GroupOp& op, const Member& actor, const v1::GroupInfo& group,
                          const std::vector<Member>& targets);

bool is_manager(const Member& m);

}  // namespace parley::core
