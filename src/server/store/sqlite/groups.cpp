// Groups: creation, membership, administration (GroupOp), and the group reads. Every change is a SYSTEM
// message in the group's timeline, so it has a seq and syncs like any message.
#include "server/core/authz.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

std::string too_many(uint32_t max) { return "a group can have at most " + std::to_string(max) + " members"; }

v1::GroupInfo parse_group(std::string_view info, int64_t member_count) {
  v1::GroupInfo g;
  g.ParseFromArray(info.data(), static_cast<int>(info.size()));
  g.set_member_count(static_cast<uint32_t>(member_count));
  return g;
}

// A user that may be added to a group by `actor`: exists, is enabled, has not blocked the actor.
Status addable(Db& db, const std::string& user, const std::string& actor) {
  auto u = load_user(db, user);
  if (!u || u->disabled) return fail(v1::NOT_FOUND, "no user " + user);
  if (is_blocked(db, user, actor)) return fail(v1::PERMISSION_DENIED, "you cannot add user " + user);
  return {};
}

}  // namespace

void SqliteStore::save_group(Db& db, const std::string& conv, v1::GroupInfo group) {
  ConversationState state = *conversation(db, conv);
  v1::GroupInfo stored = group;
  stored.clear_member_count();
  std::string info = stored.SerializeAsString();
  db.stmt("UPDATE conversations SET name = ?, info = ?, member_count = ? WHERE conv_id = ?")
      .bind(group.name(), Blob{info}, group.member_count(), conv)
      .exec();
  state.group = std::make_shared<const v1::GroupInfo>(std::move(group));
  stage_conversation(conv, std::move(state));
}

void SqliteStore::add_member_rows(Db& db, const std::string& conv, const std::vector<std::string>& users,
                                  uint64_t seq, const v1::GroupInfo& group) {
  const uint64_t v = next_version();
  for (const auto& u : users) {
    // History shown to a new member is not unread for them: their cursor starts at their arrival.
    insert_member(db, conv, u, Role::kMember, group.history_visible() ? 1 : seq, v, seq - 1);
    db.stmt("DELETE FROM join_requests WHERE conv_id = ? AND user_id = ?").bind(conv, u).exec();
  }
}

MembershipChange SqliteStore::record_group_event(Db& db, const std::string& conv, const std::string& actor,
                                                 v1::SystemEvent event, int64_t now_ms) {
  MembershipChange change;
  v1::Message& m = change.system_message;
  m.set_kind(v1::SYSTEM);
  *m.mutable_system() = std::move(event);
  m.set_sender_id(actor);
  m.set_timestamp_ms(now_ms);
  insert_message(db, conv, m);
  change.recipients = active_members(db, conv);
  auto state = conversation(db, conv);
  if (state && state->group) {
    change.group = *state->group;
    change.name = change.group.name();
  }
  return change;
}

void SqliteStore::create_group(std::string conversation_id, v1::GroupInfo group, std::string creator,
                               std::vector<std::string> members, int64_t now_ms, Done<MembershipChange> done) {
  write<MembershipChange>(std::move(done), [=, this, members = deduplicated(std::move(members))](
                                               Db& db) mutable -> Result<MembershipChange> {
    std::vector<std::string> others;
    for (const auto& u : members) {
      if (u == creator) continue;
      if (auto ok = addable(db, u, creator); !ok) return std::unexpected(ok.error());
      others.push_back(u);
    }
    const uint32_t max = options_.policy.max_group_members;
    if (others.size() + 1 > max) return fail(v1::TOO_LARGE, too_many(max));
    if (conversation(db, conversation_id)) return fail(v1::CONFLICT, "conversation exists");
    group.set_owner_id(creator);
    group.set_created_at_ms(now_ms);
    group.set_dismissed(false);
    group.set_member_count(static_cast<uint32_t>(others.size() + 1));
    db.stmt("INSERT INTO conversations (conv_id, kind, name, created_at) VALUES (?, ?, ?, ?)")
        .bind(conversation_id, static_cast<int>(v1::GROUP), group.name(), now_ms)
        .exec();
    stage_conversation(conversation_id, ConversationState{v1::GROUP});
    save_group(db, conversation_id, group);
    uint64_t v = next_version();
    insert_member(db, conversation_id, creator, Role::kOwner, 1, v);
    for (const auto& u : others) insert_member(db, conversation_id, u, Role::kMember, 1, v);
    v1::SystemEvent event;
    event.set_action(v1::SystemEvent::GROUP_CREATED);
    event.set_actor_id(creator);
    for (const auto& u : others) event.add_user_ids(u);
    *event.mutable_group() = group;
    MembershipChange change = record_group_event(db, conversation_id, creator, std::move(event), now_ms);
    db.stmt("UPDATE members SET read_seq = 1, delivered_seq = 1 WHERE conv_id = ? AND user_id = ?")
        .bind(conversation_id, creator)
        .exec();
    change.added = others;
    change.added.push_back(creator);
    return change;
  });
}

Result<MembershipChange> SqliteStore::apply_member_change(Db& db, const std::string& conv, const std::string& actor,
                                                          MemberOp op, std::vector<std::string> users,
                                                          int64_t now_ms) {
  auto state = conversation(db, conv);
  if (!state || state->kind != v1::GROUP) return fail(v1::NOT_FOUND, "no group " + conv);
  v1::GroupInfo group = *state->group;
  users = deduplicated(std::move(users));
  std::vector<core::Member> targets;
  targets.reserve(users.size());
  for (const auto& u : users) targets.push_back(load_member(db, conv, u));
  if (auto ok = core::authorize_member_change(load_member(db, conv, actor), group, op, users, targets); !ok) {
    return std::unexpected(ok.error());
  }
  const uint64_t seq = state->max_seq + 1;  // the system message's
  v1::SystemEvent event;
  event.set_actor_id(actor);
  for (const auto& u : users) event.add_user_ids(u);
  if (op == MemberOp::kAdd) {
    for (const auto& u : users) {
      if (auto ok = addable(db, u, actor); !ok) return std::unexpected(ok.error());
    }
    const uint32_t max = options_.policy.max_group_members;
    if (group.member_count() + users.size() > max) return fail(v1::TOO_LARGE, too_many(max));
    add_member_rows(db, conv, users, seq, group);
    group.set_member_count(group.member_count() + static_cast<uint32_t>(users.size()));
    event.set_action(v1::SystemEvent::MEMBERS_ADDED);
  } else {
    const uint64_t v = next_version();
    for (const auto& u : users) {
      db.stmt("UPDATE members SET active = 0, last_seq = ?, version = ? WHERE conv_id = ? AND user_id = ?")
          .bind(seq, v, conv, u)
          .exec();
    }
    group.set_member_count(group.member_count() - static_cast<uint32_t>(users.size()));
    event.set_action(v1::SystemEvent::MEMBERS_REMOVED);
  }
  save_group(db, conv, group);
  MembershipChange change = record_group_event(db, conv, actor, std::move(event), now_ms);
  if (op == MemberOp::kAdd) {
    change.added = users;
  } else {
    change.removed = users;  // they see their own removal
    change.recipients.insert(change.recipients.end(), users.begin(), users.end());
  }
  return change;
}

void SqliteStore::change_members(std::string conversation_id, std::string actor, MemberOp op,
                                 std::vector<std::string> users, int64_t now_ms, Done<MembershipChange> done) {
  write<MembershipChange>(std::move(done), [=, this, users = std::move(users)](Db& db) {
    return apply_member_change(db, conversation_id, actor, op, users, now_ms);
  });
}

Result<MembershipChange> SqliteStore::apply_join(Db& db, const GroupOp& op, const ConversationState& state) {
  v1::GroupInfo group = *state.group;
  auto me = load_member(db, op.conversation_id, op.actor);
  if (me && me->active) return fail(v1::CONFLICT, "you are already a member");
  // To outsiders an invite-only or dismissed group answers like one that does not exist.
  const bool listed = group.join_policy() == v1::OPEN || group.join_policy() == v1::APPROVAL;
  if (group.dismissed() || !listed) return fail(v1::NOT_FOUND, "no group " + op.conversation_id);
  if (group.join_policy() == v1::OPEN) {
    const uint32_t max = options_.policy.max_group_members;
    if (group.member_count() + 1 > max) return fail(v1::TOO_LARGE, too_many(max));
    add_member_rows(db, op.conversation_id, {op.actor}, state.max_seq + 1, group);
    group.set_member_count(group.member_count() + 1);
    save_group(db, op.conversation_id, group);
    v1::SystemEvent event;
    event.set_action(v1::SystemEvent::MEMBERS_JOINED);
    event.set_actor_id(op.actor);
    event.add_user_ids(op.actor);
    auto change = record_group_event(db, op.conversation_id, op.actor, std::move(event), op.now_ms);
    change.added = {op.actor};
    return change;
  }
  db.stmt("INSERT INTO join_requests (conv_id, user_id, message, created_at) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (conv_id, user_id) DO UPDATE SET message = excluded.message, created_at = excluded.created_at")
      .bind(op.conversation_id, op.actor, op.message, op.now_ms)
      .exec();
  MembershipChange change;
  change.joined = false;
  change.group = group;
  v1::Event event;
  auto* r = event.mutable_join_request()->mutable_request();
  r->set_conversation_id(op.conversation_id);
  r->set_user_id(op.actor);
  r->set_message(op.message);
  r->set_created_at_ms(op.now_ms);
  for (const auto& manager : group_managers(db, op.conversation_id)) change.notices.push_back({manager, event});
  return change;
}

Result<MembershipChange> SqliteStore::apply_group_op(Db& db, const GroupOp& op) {
  using K = GroupOp::Kind;
  auto state = conversation(db, op.conversation_id);
  if (!state || state->kind != v1::GROUP) return fail(v1::NOT_FOUND, "no group " + op.conversation_id);
  if (op.kind == K::kJoin) return apply_join(db, op, *state);
  v1::GroupInfo group = *state->group;
  auto actor = load_member(db, op.conversation_id, op.actor);
  std::vector<core::Member> targets;
  targets.reserve(op.users.size());
  for (const auto& u : op.users) targets.push_back(load_member(db, op.conversation_id, u));
  if (auto ok = core::authorize_group_op(op, actor, group, targets); !ok) return std::unexpected(ok.error());

  const std::string& conv = op.conversation_id;
  v1::SystemEvent event;
  event.set_actor_id(op.actor);
  for (const auto& u : op.users) event.add_user_ids(u);
  auto unchanged = [&] {
    MembershipChange none;
    none.group = group;
    return none;
  };
  switch (op.kind) {
    case K::kUpdate: {
      const auto& u = op.update;
#define PARLEY_UPDATE_FIELD(field)                    \
  if (u.has_##field() && u.field() != group.field()) { \
    group.set_##field(u.field());                      \
    event.add_changed(#field);                         \
  }
      PARLEY_UPDATE_FIELD(name)
      PARLEY_UPDATE_FIELD(avatar_url)
      PARLEY_UPDATE_FIELD(description)
      PARLEY_UPDATE_FIELD(announcement)
      PARLEY_UPDATE_FIELD(join_policy)
      PARLEY_UPDATE_FIELD(mute_all)
      PARLEY_UPDATE_FIELD(history_visible)
#undef PARLEY_UPDATE_FIELD
      if (event.changed().empty()) return unchanged();
      save_group(db, conv, group);
      *event.mutable_group() = group;
      event.set_action(v1::SystemEvent::GROUP_UPDATED);
      break;
    }
    case K::kSetRole: {
      const uint64_t v = next_version();
      for (const auto& u : op.users) {
        db.stmt("UPDATE members SET role = ?, version = ? WHERE conv_id = ? AND user_id = ?")
            .bind(op.role == v1::ADMIN ? static_cast<int>(Role::kAdmin) : static_cast<int>(Role::kMember), v, conv, u)
            .exec();
      }
      event.set_action(v1::SystemEvent::ROLE_CHANGED);
      event.set_role(op.role);
      break;
    }
    case K::kTransfer: {
      const uint64_t v = next_version();
      db.stmt("UPDATE members SET role = 1, version = ? WHERE conv_id = ? AND user_id = ?").bind(v, conv, op.users[0]).exec();
      db.stmt("UPDATE members SET role = 2, version = ? WHERE conv_id = ? AND user_id = ?").bind(v, conv, op.actor).exec();
      group.set_owner_id(op.users[0]);
      save_group(db, conv, group);
      event.set_action(v1::SystemEvent::OWNER_TRANSFERRED);
      break;
    }
    case K::kSilence: {
      const uint64_t v = next_version();
      for (const auto& u : op.users) {
        db.stmt("UPDATE members SET silenced_until = ?, version = ? WHERE conv_id = ? AND user_id = ?")
            .bind(op.until_ms, v, conv, u)
            .exec();
      }
      event.set_action(v1::SystemEvent::MEMBERS_SILENCED);
      event.set_until_ms(op.until_ms);
      break;
    }
    case K::kRespondJoin: {
      const std::string& user = op.users.at(0);
      auto& pending = db.stmt("SELECT 1 FROM join_requests WHERE conv_id = ? AND user_id = ?");
      pending.bind(conv, user);
      const bool found = pending.step();
      pending.reset();
      if (!found) return fail(v1::NOT_FOUND, "no join request from " + user);
      const bool joins = op.accept && !(targets[0] && targets[0]->active);
      if (joins) {  // checked before anything is written (see WriteOp)
        if (auto ok = addable(db, user, op.actor); !ok) return std::unexpected(ok.error());
        const uint32_t max = options_.policy.max_group_members;
        if (group.member_count() + 1 > max) return fail(v1::TOO_LARGE, too_many(max));
      }
      db.stmt("DELETE FROM join_requests WHERE conv_id = ? AND user_id = ?").bind(conv, user).exec();
      if (!joins) return unchanged();
      add_member_rows(db, conv, {user}, state->max_seq + 1, group);
      group.set_member_count(group.member_count() + 1);
      save_group(db, conv, group);
      event.set_action(v1::SystemEvent::MEMBERS_ADDED);
      auto change = record_group_event(db, conv, op.actor, std::move(event), op.now_ms);
      change.added = {user};
      return change;
    }
    case K::kDismiss: {
      event.set_action(v1::SystemEvent::GROUP_DISMISSED);
      auto change = record_group_event(db, conv, op.actor, std::move(event), op.now_ms);
      db.stmt("UPDATE members SET active = 0, last_seq = ?, version = ? WHERE conv_id = ? AND active = 1")
          .bind(change.system_message.seq(), next_version(), conv)
          .exec();
      group.set_dismissed(true);
      group.set_member_count(0);
      save_group(db, conv, group);
      db.stmt("DELETE FROM join_requests WHERE conv_id = ?").bind(conv).exec();
      change.group = group;
      return change;
    }
    case K::kJoin:
      break;
  }
  return record_group_event(db, conv, op.actor, std::move(event), op.now_ms);
}

void SqliteStore::change_group(GroupOp op, Done<MembershipChange> done) {
  write<MembershipChange>(std::move(done), [this, op = std::move(op)](Db& db) { return apply_group_op(db, op); });
}

// ---------------------------------------------------------------------------------------------- reads

Result<v1::GetGroupResponse> SqliteStore::get_group(const std::string& conversation_id, const std::string& user_id) {
  return read([&](Db& db) -> Result<v1::GetGroupResponse> {
    auto& s = db.stmt("SELECT info, member_count FROM conversations WHERE conv_id = ? AND kind = 2");
    s.bind(conversation_id);
    if (!s.step()) return fail(v1::NOT_FOUND, "no group " + conversation_id);
    v1::GetGroupResponse out;
    *out.mutable_group() = parse_group(s.blob(0), s.i64(1));
    s.reset();
    auto me = load_member(db, conversation_id, user_id);
    const bool inside = me && me->active;
    if (inside) out.set_my_role(static_cast<v1::Role>(me->role));
    const auto policy = out.group().join_policy();
    // Invite-only (and dismissed) groups are invisible to everyone outside them, former members included:
    // not even their existence is confirmed.
    if (!inside && (out.group().dismissed() || (policy != v1::OPEN && policy != v1::APPROVAL))) {
      return fail(v1::NOT_FOUND, "no group " + conversation_id);
    }
    return out;
  });
}

Result<v1::ListMembersResponse> SqliteStore::list_members(const std::string& conversation_id, const std::string& user_id,
                                                          const std::string& after_user_id, uint32_t limit) {
  return read([&](Db& db) -> Result<v1::ListMembersResponse> {
    auto me = load_member(db, conversation_id, user_id);
    if (!me || !me->active) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    auto& s = db.stmt(
        "SELECT m.user_id, m.role, m.min_seq, m.silenced_until, u.display_name FROM members m "
        "JOIN users u ON u.user_id = m.user_id "
        "WHERE m.conv_id = ? AND m.active = 1 AND m.user_id > ? ORDER BY m.user_id LIMIT ?");
    s.bind(conversation_id, after_user_id, static_cast<int64_t>(limit) + 1);
    v1::ListMembersResponse out;
    out.set_end(true);
    while (s.step()) {
      if (static_cast<uint32_t>(out.members_size()) == limit) {
        out.set_end(false);
        break;
      }
      auto* m = out.add_members();
      m->set_user_id(s.text(0));
      m->set_role(static_cast<v1::Role>(s.i64(1)));
      m->set_joined_seq(static_cast<uint64_t>(s.i64(2)));
      m->set_silenced_until_ms(s.i64(3));
      m->set_display_name(s.text(4));
    }
    return out;
  });
}

Result<std::vector<v1::JoinRequest>> SqliteStore::list_join_requests(const std::string& conversation_id,
                                                                     const std::string& user_id) {
  return read([&](Db& db) -> Result<std::vector<v1::JoinRequest>> {
    if (!core::is_manager(load_member(db, conversation_id, user_id))) {
      return fail(v1::PERMISSION_DENIED, "only the owner and admins see join requests");
    }
    auto& s = db.stmt("SELECT user_id, message, created_at FROM join_requests WHERE conv_id = ? ORDER BY created_at LIMIT 1000");
    s.bind(conversation_id);
    std::vector<v1::JoinRequest> out;
    while (s.step()) {
      auto& r = out.emplace_back();
      r.set_conversation_id(conversation_id);
      r.set_user_id(s.text(0));
      r.set_message(s.text(1));
      r.set_created_at_ms(s.i64(2));
    }
    return out;
  });
}

Result<std::vector<v1::SearchGroupsResponse::Entry>> SqliteStore::search_groups(const std::string& query,
                                                                                uint32_t limit) {
  return read([&](Db& db) -> Result<std::vector<v1::SearchGroupsResponse::Entry>> {
    // instr() rather than LIKE: the query is matched as plain text, with no wildcards to escape.
    auto& s = db.stmt(
        "SELECT conv_id, info, member_count FROM conversations "
        "WHERE kind = 2 AND member_count > 0 AND instr(lower(name), lower(?)) > 0 ORDER BY member_count DESC");
    s.bind(query);
    std::vector<v1::SearchGroupsResponse::Entry> out;
    while (out.size() < limit && s.step()) {
      v1::GroupInfo g = parse_group(s.blob(1), s.i64(2));
      if (g.dismissed() || (g.join_policy() != v1::OPEN && g.join_policy() != v1::APPROVAL)) continue;
      auto& e = out.emplace_back();
      e.set_conversation_id(s.text(0));
      *e.mutable_group() = std::move(g);
    }
    return out;
  });
}

}  // namespace parley::store::sqlite
