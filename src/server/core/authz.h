// Authorization: who may do what in a conversation. The one place these rules live (DESIGN §2.7); the
// store calls them inside its write transaction, so a check and the write it guards cannot race.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/store/store.h"

namespace parley::core {

// Posting needs an active membership.
Status authorize_send(const std::optional<store::MemberRecord>& sender);

// Reading needs a membership (active or former); returns the visible seq range [lo, hi] given the
// conversation's max_seq.
Result<std::pair<uint64_t, uint64_t>> visible_range(const std::optional<store::MemberRecord>& reader,
                                                    uint64_t max_seq);

// Adding needs owner or admin; removing others needs owner or admin (and an admin cannot remove the owner);
// anyone may remove themselves except the owner.
Status authorize_member_change(const std::optional<store::MemberRecord>& actor, store::Store::MemberOp op,
                               const std::vector<std::string>& targets,
                               const std::vector<std::optional<store::MemberRecord>>& target_members);

}  // namespace parley::core
