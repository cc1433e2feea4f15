// ClientCore: group administration answered through `call`. The server records each change as a SYSTEM message
// and pushes it to the other members only; the requesting client fetches it here, so its own store (members,
// active, name) and timeline follow too.
#include "sdk/client_core.h"

namespace parley::sdk {
namespace {

// The conversation and the seq of the SYSTEM message a group request produced (seq 0: nothing recorded).
std::pair<std::string, uint64_t> recorded_change(const v1::ClientFrame& request, const v1::ServerFrame& reply) {
  switch (request.request_case()) {
    case v1::ClientFrame::kUpdateGroup:
      return {request.update_group().conversation_id(), reply.update_group().seq()};
    case v1::ClientFrame::kJoinGroup:
      return {request.join_group().conversation_id(), reply.join_group().joined() ? reply.join_group().seq() : 0};
    case v1::ClientFrame::kRespondJoinRequest:
      return {request.respond_join_request().conversation_id(), reply.respond_join_request().seq()};
    case v1::ClientFrame::kSetMemberRole:
      return {request.set_member_role().conversation_id(), reply.set_member_role().seq()};
    case v1::ClientFrame::kTransferOwnership:
      return {request.transfer_ownership().conversation_id(), reply.transfer_ownership().seq()};
    case v1::ClientFrame::kDismissGroup:
      return {request.dismiss_group().conversation_id(), reply.dismiss_group().seq()};
    case v1::ClientFrame::kSilenceMembers:
      return {request.silence_members().conversation_id(), reply.silence_members().seq()};
    default:
      return {"", 0};
  }
}

}  // namespace

void ClientCore::apply_group_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply) {
  auto [conversation_id, seq] = recorded_change(request, reply);
  if (seq == 0) return;
  auto stored_max = guarded([&] { return store_->max_stored_seq(conversation_id); });
  if (stored_max) check_gap(conversation_id, *stored_max, seq + 1);
}

void ClientCore::leave_group(std::string conversation_id, Done<uint64_t> done) {
  change_members(false, std::move(conversation_id), {me_}, std::move(done));
}

}  // namespace parley::sdk
