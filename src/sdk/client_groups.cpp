// Client: group administration. Each call is one request; ClientCore::apply_group_reply fetches the SYSTEM
// message a change recorded, so this device's store follows its own changes.
#include "sdk/client_impl.h"

namespace parley {
namespace {

v1::JoinPolicy to_wire(JoinPolicy policy) {
  switch (policy) {
    case JoinPolicy::kOpen:
      return v1::OPEN;
    case JoinPolicy::kApproval:
      return v1::APPROVAL;
    case JoinPolicy::kInviteOnly:
      return v1::INVITE_ONLY;
  }
  return v1::INVITE_ONLY;
}

}  // namespace

void Client::update_group(std::string conversation_id, GroupChange change, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_update_group();
              r->set_conversation_id(std::move(conversation_id));
              if (change.name) r->set_name(*change.name);
              if (change.avatar_url) r->set_avatar_url(*change.avatar_url);
              if (change.description) r->set_description(*change.description);
              if (change.announcement) r->set_announcement(*change.announcement);
              if (change.join_policy) r->set_join_policy(to_wire(*change.join_policy));
              if (change.mute_all) r->set_mute_all(*change.mute_all);
              if (change.history_visible) r->set_history_visible(*change.history_visible);
            }),
            std::move(done));
}

void Client::get_group(std::string conversation_id, Done<std::string> done) {
  post_call(sdk::frame_with(
                [&](v1::ClientFrame& f) { f.mutable_get_group()->set_conversation_id(std::move(conversation_id)); }),
            std::move(done));
}

void Client::join_group(std::string conversation_id, std::string message, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_join_group()->set_conversation_id(std::move(conversation_id));
              f.mutable_join_group()->set_message(std::move(message));
            }),
            std::move(done));
}

void Client::leave_group(std::string conversation_id, Done<uint64_t> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), done = std::move(done)]() mutable {
    core->leave_group(std::move(c), std::move(done));
  });
}

void Client::list_join_requests(std::string conversation_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_list_join_requests()->set_conversation_id(std::move(conversation_id));
            }),
            std::move(done));
}

void Client::answer_join_request(std::string conversation_id, std::string user_id, JoinAnswer answer,
                                 Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_respond_join_request();
              r->set_conversation_id(std::move(conversation_id));
              r->set_user_id(std::move(user_id));
              r->set_accept(answer == JoinAnswer::kAccept);
            }),
            std::move(done));
}

void Client::set_member_role(std::string conversation_id, std::vector<std::string> user_ids, MemberRole role,
                             Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_set_member_role();
              r->set_conversation_id(std::move(conversation_id));
              for (auto& u : user_ids) r->add_user_ids(std::move(u));
              r->set_role(role == MemberRole::kAdmin ? v1::ADMIN : v1::MEMBER);
            }),
            std::move(done));
}

void Client::transfer_ownership(std::string conversation_id, std::string user_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_transfer_ownership()->set_conversation_id(std::move(conversation_id));
              f.mutable_transfer_ownership()->set_user_id(std::move(user_id));
            }),
            std::move(done));
}

void Client::dismiss_group(std::string conversation_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_dismiss_group()->set_conversation_id(std::move(conversation_id));
            }),
            std::move(done));
}

void Client::silence_members(std::string conversation_id, std::vector<std::string> user_ids, int64_t until_ms,
                             Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_silence_members();
              r->set_conversation_id(std::move(conversation_id));
              for (auto& u : user_ids) r->add_user_ids(std::move(u));
              r->set_until_ms(until_ms);
            }),
            std::move(done));
}

void Client::list_members(std::string conversation_id, std::string after_user_id, uint32_t limit,
                          Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_list_members();
              r->set_conversation_id(std::move(conversation_id));
              r->set_after_user_id(std::move(after_user_id));
              r->set_limit(limit);
            }),
            std::move(done));
}

void Client::search_groups(std::string query, uint32_t limit, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_search_groups()->set_query(std::move(query));
              f.mutable_search_groups()->set_limit(limit);
            }),
            std::move(done));
}

}  // namespace parley
