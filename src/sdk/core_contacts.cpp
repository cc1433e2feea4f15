// ClientCore: the local friends/blocks cache. Kept in step by FriendEvents (live and replayed by sync), by the
// answers to this client's own friend and block calls (the server sends those events only to my other
// devices), and replaced by the server's lists while catching up after every connect.
#include "sdk/client_core.h"

namespace parley::sdk {
namespace {

using Relation = LocalStore::Relation;

ContactRecord contact_of(const v1::User& user) { return ContactRecord{user.user_id(), user.display_name(), "", 0}; }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void ClientCore::apply_contacts_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply) {
  (void)guarded([&] {
    switch (request.request_case()) {
      case v1::ClientFrame::kListFriends: {
        std::vector<ContactRecord> friends;
        for (const auto& f : reply.list_friends().friends()) {
          auto c = contact_of(f.user());
          c.remark = f.remark();
          c.since_ms = f.since_ms();
          friends.push_back(std::move(c));
        }
        store_->replace_contacts(Relation::kFriend, friends);
        break;
      }
      case v1::ClientFrame::kListBlocked: {
        std::vector<ContactRecord> blocked;
        for (const auto& u : reply.list_blocked().users()) blocked.push_back(contact_of(u));
        store_->replace_contacts(Relation::kBlocked, blocked);
        break;
      }
      case v1::ClientFrame::kBlockUser: {
        // Blocking also ends a friendship.
        Transaction tx(store_->db());
        store_->upsert_contact(Relation::kBlocked, ContactRecord{request.block_user().user_id(), "", "", 0});
        store_->remove_contact(Relation::kFriend, request.block_user().user_id());
        tx.commit();
        break;
      }
      case v1::ClientFrame::kUnblockUser:
        store_->remove_contact(Relation::kBlocked, request.unblock_user().user_id());
        break;
      case v1::ClientFrame::kRemoveFriend:
        store_->remove_contact(Relation::kFriend, request.remove_friend().user_id());
        break;
      case v1::ClientFrame::kRespondFriendRequest:
        if (request.respond_friend_request().accept()) {
          store_->upsert_contact(Relation::kFriend,
                                 ContactRecord{request.respond_friend_request().user_id(), "", "", now_ms()});
        }
        break;
      case v1::ClientFrame::kSetFriendRemark:
        store_->set_contact_remark(request.set_friend_remark().user_id(), request.set_friend_remark().remark());
        break;
      case v1::ClientFrame::kSendFriendRequest:
        if (reply.send_friend_request().became_friends()) {
          store_->upsert_contact(Relation::kFriend,
                                 ContactRecord{request.send_friend_request().user_id(), "", "", now_ms()});
        }
        break;
      default:
        break;
    }
  });
}

void ClientCore::apply_friend_event(const v1::FriendEvent& event) {
  const std::string& user = event.user_id();
  (void)guarded([&] {
    switch (event.kind()) {
      case v1::FriendEvent::FRIEND_ADDED:
        store_->upsert_contact(Relation::kFriend, ContactRecord{user, "", "", now_ms()});
        break;
      case v1::FriendEvent::FRIEND_REMOVED:
        store_->remove_contact(Relation::kFriend, user);
        break;
      case v1::FriendEvent::REMARK_CHANGED:
        store_->set_contact_remark(user, event.remark());
        break;
      case v1::FriendEvent::BLOCKED: {
        Transaction tx(store_->db());
        store_->upsert_contact(Relation::kBlocked, ContactRecord{user, "", "", 0});
        store_->remove_contact(Relation::kFriend, user);
        tx.commit();
        break;
      }
      case v1::FriendEvent::UNBLOCKED:
        store_->remove_contact(Relation::kBlocked, user);
        break;
      default:  // requests: not cached (list_friend_requests asks the server)
        break;
    }
  });
}

void ClientCore::refresh_contacts_for_sync() {
  uint64_t generation = generation_;
  for (int which = 0; which < 2; ++which) {
    v1::ClientFrame frame;
    if (which == 0)
      frame.mutable_list_friends();
    else
      frame.mutable_list_blocked();
    auto sent = std::make_shared<const v1::ClientFrame>(frame);
    ++sync_jobs_left_;
    request(std::move(frame), [this, sent, generation](Reply reply) {
      if (generation != generation_) return;  // close_link reset the sync bookkeeping
      if (reply) apply_contacts_reply(*sent, *reply);
      --sync_jobs_left_;
      finish_sync_if_done();
    });
  }
}

}  // namespace parley::sdk
