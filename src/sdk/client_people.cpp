// Client: the user directory, privacy settings, withdrawing a friend request, remarks, and the local
// friends/blocks cache.
#include "sdk/client_impl.h"

namespace parley {
namespace {

v1::PresenceVisibility to_wire(PresenceVisibility v) {
  switch (v) {
    case PresenceVisibility::kContacts:
      return v1::CONTACTS;
    case PresenceVisibility::kFriends:
      return v1::FRIENDS;
    case PresenceVisibility::kNobody:
      return v1::NOBODY;
  }
  return v1::CONTACTS;
}

}  // namespace

void Client::search_users(std::string query, uint32_t limit, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_search_users()->set_query(std::move(query));
              f.mutable_search_users()->set_limit(limit);
            }),
            std::move(done));
}

void Client::get_privacy(Done<std::string> done) {
  post_call(sdk::frame_with([](v1::ClientFrame& f) { f.mutable_get_privacy(); }), std::move(done));
}

void Client::set_privacy(PrivacySettings privacy, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* p = f.mutable_set_privacy()->mutable_privacy();
              p->set_receipts_disabled(privacy.receipts_disabled);
              p->set_presence(to_wire(privacy.presence));
            }),
            std::move(done));
}

void Client::cancel_friend_request(std::string user_id, Done<std::string> done) {
  post_call(
      sdk::frame_with([&](v1::ClientFrame& f) { f.mutable_cancel_friend_request()->set_user_id(std::move(user_id)); }),
      std::move(done));
}

void Client::set_friend_remark(std::string user_id, std::string remark, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_set_friend_remark()->set_user_id(std::move(user_id));
              f.mutable_set_friend_remark()->set_remark(std::move(remark));
            }),
            std::move(done));
}

ClientResult<std::vector<ContactRecord>> Client::friends() const {
  return impl_->read([&] { return impl_->core->contacts(sdk::LocalStore::Relation::kFriend); });
}

ClientResult<std::vector<ContactRecord>> Client::blocked() const {
  return impl_->read([&] { return impl_->core->contacts(sdk::LocalStore::Relation::kBlocked); });
}

}  // namespace parley
