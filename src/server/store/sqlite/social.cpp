// People: friend requests and friendships, blocks, privacy, presence visibility, the user directory.
// Every change is a FriendEvent (or PrivacyEvent) kept in the user event log of each side it concerns.
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

using K = SocialOp::Kind;

v1::Event friend_event(v1::FriendEvent::Kind kind, const std::string& other) {
  v1::Event e;
  e.mutable_friend_()->set_kind(kind);
  e.mutable_friend_()->set_user_id(other);
  return e;
}

void befriend(Db& db, const std::string& a, const std::string& b, int64_t now_ms) {
  auto& s = db.stmt("INSERT OR IGNORE INTO friends (user_id, friend_id, remark, since) VALUES (?, ?, '', ?)");
  s.bind(a, b, now_ms).exec();
  s.bind(b, a, now_ms).exec();
  auto& d = db.stmt("DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?");
  d.bind(a, b).exec();
  d.bind(b, a).exec();
}

bool delete_request(Db& db, const std::string& from, const std::string& to) {
  db.stmt("DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?").bind(from, to).exec();
  return sqlite3_changes(db.handle()) > 0;
}

bool unfriend(Db& db, const std::string& a, const std::string& b) {
  auto& s = db.stmt("DELETE FROM friends WHERE user_id = ? AND friend_id = ?");
  s.bind(a, b).exec();
  bool was = sqlite3_changes(db.handle()) > 0;
  s.bind(b, a).exec();
  return was;
}

std::vector<v1::User> users_from(Stmt& s) {
  std::vector<v1::User> out;
  while (s.step()) {
    auto& u = out.emplace_back();
    u.set_user_id(s.text(0));
    u.set_display_name(s.text(1));
    u.set_disabled(s.i64(2) != 0);
    u.set_created_at_ms(s.i64(3));
  }
  return out;
}

}  // namespace

Result<SocialResult> SqliteStore::apply_social(Db& db, const SocialOp& op) {
  SocialResult r;
  auto notify = [&](const std::string& user, v1::Event event) {
    append_user_event(db, user, event);
    r.notices.push_back({user, std::move(event)});
  };
  if (op.kind == K::kPrivacy) {
    std::string bytes = op.privacy.SerializeAsString();
    db.stmt("UPDATE users SET privacy = ? WHERE user_id = ?").bind(Blob{bytes}, op.actor).exec();
    v1::Event e;
    *e.mutable_privacy()->mutable_privacy() = op.privacy;
    notify(op.actor, std::move(e));
    return r;
  }
  if (op.other == op.actor) return fail(v1::INVALID_ARGUMENT, "that is you");
  auto other = load_user(db, op.other);
  if (!other) return fail(v1::NOT_FOUND, "no user " + op.other);
  const std::string& me = op.actor;
  const std::string& them = op.other;
  switch (op.kind) {
    case K::kRequest: {
      // Either block reads as the same generic refusal, so the blocked side cannot tell.
      if (is_blocked(db, them, me) || is_blocked(db, me, them) || other->disabled) {
        return fail(v1::PERMISSION_DENIED, "you cannot send a friend request to this user");
      }
      if (are_friends(db, me, them)) return fail(v1::CONFLICT, "you are friends already");
      auto& reverse = db.stmt("SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?");
      reverse.bind(them, me);
      bool they_asked = reverse.step();
      reverse.reset();
      if (they_asked) {
        befriend(db, me, them, op.now_ms);
        r.became_friends = true;
        notify(me, friend_event(v1::FriendEvent::FRIEND_ADDED, them));
        notify(them, friend_event(v1::FriendEvent::FRIEND_ADDED, me));
        return r;
      }
      db.stmt("INSERT INTO friend_requests (from_id, to_id, message, created_at) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (from_id, to_id) DO UPDATE SET message = excluded.message, created_at = excluded.created_at")
          .bind(me, them, op.text, op.now_ms)
          .exec();
      v1::FriendRequest request;
      request.set_from_user_id(me);
      request.set_to_user_id(them);
      request.set_message(op.text);
      request.set_created_at_ms(op.now_ms);
      if (auto sender = load_user(db, me)) *request.mutable_from_user() = public_user(*sender);
      *request.mutable_to_user() = public_user(*other);
      auto received = friend_event(v1::FriendEvent::REQUEST_RECEIVED, me);
      *received.mutable_friend_()->mutable_request() = request;
      auto sent = friend_event(v1::FriendEvent::REQUEST_SENT, them);
      *sent.mutable_friend_()->mutable_request() = std::move(request);
      notify(them, std::move(received));
      notify(me, std::move(sent));
      return r;
    }
    case K::kAccept:
      if (!delete_request(db, them, me)) return fail(v1::NOT_FOUND, "no friend request from " + them);
      befriend(db, me, them, op.now_ms);
      r.became_friends = true;
      notify(me, friend_event(v1::FriendEvent::FRIEND_ADDED, them));
      notify(them, friend_event(v1::FriendEvent::FRIEND_ADDED, me));
      return r;
    case K::kDecline:
      if (!delete_request(db, them, me)) return fail(v1::NOT_FOUND, "no friend request from " + them);
      notify(me, friend_event(v1::FriendEvent::REQUEST_DECLINED, them));
      notify(them, friend_event(v1::FriendEvent::REQUEST_DECLINED, me));
      return r;
    case K::kCancel:
      if (!delete_request(db, me, them)) return fail(v1::NOT_FOUND, "no friend request to " + them);
      notify(me, friend_event(v1::FriendEvent::REQUEST_CANCELLED, them));
      notify(them, friend_event(v1::FriendEvent::REQUEST_CANCELLED, me));
      return r;
    case K::kRemove:
      if (!unfriend(db, me, them)) return fail(v1::NOT_FOUND, them + " is not your friend");
      notify(me, friend_event(v1::FriendEvent::FRIEND_REMOVED, them));
      notify(them, friend_event(v1::FriendEvent::FRIEND_REMOVED, me));
      return r;
    case K::kRemark: {
      db.stmt("UPDATE friends SET remark = ? WHERE user_id = ? AND friend_id = ?").bind(op.text, me, them).exec();
      if (sqlite3_changes(db.handle()) == 0) return fail(v1::NOT_FOUND, them + " is not your friend");
      auto e = friend_event(v1::FriendEvent::REMARK_CHANGED, them);
      e.mutable_friend_()->set_remark(op.text);
      notify(me, std::move(e));
      return r;
    }
    case K::kBlock: {
      db.stmt("INSERT OR IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?)")
          .bind(me, them, op.now_ms)
          .exec();
      if (sqlite3_changes(db.handle()) == 0) return r;  // blocked already
      notify(me, friend_event(v1::FriendEvent::BLOCKED, them));
      // A block ends what was between us; the other side sees only that (a friendship or request gone).
      if (unfriend(db, me, them)) {
        notify(me, friend_event(v1::FriendEvent::FRIEND_REMOVED, them));
        notify(them, friend_event(v1::FriendEvent::FRIEND_REMOVED, me));
      }
      for (const auto& [from, to] : {std::pair{me, them}, std::pair{them, me}}) {
        if (delete_request(db, from, to)) {
          notify(me, friend_event(v1::FriendEvent::REQUEST_CANCELLED, them));
          notify(them, friend_event(v1::FriendEvent::REQUEST_CANCELLED, me));
        }
      }
      return r;
    }
    case K::kUnblock:
      db.stmt("DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?").bind(me, them).exec();
      if (sqlite3_changes(db.handle()) > 0) notify(me, friend_event(v1::FriendEvent::UNBLOCKED, them));
      return r;
    case K::kPrivacy:
      break;
  }
  return r;
}

void SqliteStore::change_social(SocialOp op, Done<SocialResult> done) {
  write<SocialResult>(std::move(done), [this, op = std::move(op)](Db& db) { return apply_social(db, op); });
}

Result<std::vector<v1::Friend>> SqliteStore::list_friends(const std::string& user_id) {
  return read([&](Db& db) -> Result<std::vector<v1::Friend>> {
    auto& s = db.stmt(
        "SELECT u.user_id, u.display_name, u.disabled, u.created_at, f.remark, f.since FROM friends f "
        "JOIN users u ON u.user_id = f.friend_id WHERE f.user_id = ? ORDER BY f.friend_id LIMIT 10000");
    s.bind(user_id);
    std::vector<v1::Friend> out;
    while (s.step()) {
      auto& f = out.emplace_back();
      auto* u = f.mutable_user();
      u->set_user_id(s.text(0));
      u->set_display_name(s.text(1));
      u->set_disabled(s.i64(2) != 0);
      u->set_created_at_ms(s.i64(3));
      f.set_remark(s.text(4));
      f.set_since_ms(s.i64(5));
    }
    return out;
  });
}

Result<v1::ListFriendRequestsResponse> SqliteStore::list_friend_requests(const std::string& user_id) {
  return read([&](Db& db) -> Result<v1::ListFriendRequestsResponse> {
    v1::ListFriendRequestsResponse out;
    auto collect = [&](Stmt& s, auto* list) {
      s.bind(user_id);
      while (s.step()) {
        auto* r = list->Add();
        r->set_from_user_id(s.text(0));
        r->set_to_user_id(s.text(1));
        r->set_message(s.text(2));
        r->set_created_at_ms(s.i64(3));
      }
      s.reset();
    };
    collect(db.stmt("SELECT from_id, to_id, message, created_at FROM friend_requests WHERE to_id = ? "
                    "ORDER BY created_at LIMIT 1000"),
            out.mutable_incoming());
    collect(db.stmt("SELECT from_id, to_id, message, created_at FROM friend_requests WHERE from_id = ? "
                    "ORDER BY created_at LIMIT 1000"),
            out.mutable_outgoing());
    for (auto* list : {out.mutable_incoming(), out.mutable_outgoing()}) {
      for (auto& r : *list) {
        if (auto u = load_user(db, r.from_user_id())) *r.mutable_from_user() = public_user(*u);
        if (auto u = load_user(db, r.to_user_id())) *r.mutable_to_user() = public_user(*u);
      }
    }
    return out;
  });
}

Result<std::vector<v1::User>> SqliteStore::list_blocked(const std::string& user_id) {
  return read([&](Db& db) -> Result<std::vector<v1::User>> {
    auto& s = db.stmt(
        "SELECT u.user_id, u.display_name, u.disabled, u.created_at FROM blocks b JOIN users u "
        "ON u.user_id = b.blocked_id WHERE b.user_id = ? ORDER BY b.blocked_id LIMIT 10000");
    s.bind(user_id);
    return users_from(s);
  });
}

Result<bool> SqliteStore::may_see_presence(const std::string& viewer, const std::string& target) {
  return read([&](Db& db) -> Result<bool> {
    if (viewer == target) return true;
    auto user = load_user(db, target);
    if (!user || is_blocked(db, target, viewer)) return false;
    switch (user->privacy.presence()) {
      case v1::NOBODY:
        return false;
      case v1::FRIENDS:
        return are_friends(db, target, viewer);
      default: {
        if (are_friends(db, target, viewer)) return true;
        auto& s = db.stmt(
            "SELECT 1 FROM members a JOIN members b ON b.conv_id = a.conv_id AND b.user_id = ?2 AND b.active = 1 "
            "WHERE a.user_id = ?1 AND a.active = 1 LIMIT 1");
        s.bind(viewer, target);
        bool shared = s.step();
        s.reset();
        return shared;
      }
    }
  });
}

Result<std::vector<v1::User>> SqliteStore::search_users(const std::string& prefix, uint32_t limit) {
  return read([&](Db& db) -> Result<std::vector<v1::User>> {
    // Case-insensitive prefix ranges, so the NOCASE indexes serve them (UTF-8 never contains byte 0xff).
    const std::string hi = prefix + "\xff";
    auto& s = db.stmt(
        "SELECT user_id, display_name, disabled, created_at FROM users WHERE disabled = 0 AND user_id IN ("
        "SELECT user_id FROM users WHERE user_id COLLATE NOCASE >= ?1 AND user_id COLLATE NOCASE < ?2 "
        "UNION SELECT user_id FROM users WHERE display_name COLLATE NOCASE >= ?1 AND display_name COLLATE NOCASE < ?2) "
        "ORDER BY user_id LIMIT ?3");
    s.bind(prefix, hi, limit);
    return users_from(s);
  });
}

}  // namespace parley::store::sqlite
