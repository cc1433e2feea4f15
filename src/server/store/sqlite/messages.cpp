// Messages and per-user conversation state: appends (messages and operations on them), read and delivered
// cursors, deletion for me, settings, and the user event log that sync replays.
#include <algorithm>

#include "server/core/authz.h"
#include "server/core/ids.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

constexpr size_t kMaxReactionEmojis = 50;   // distinct emojis per message
constexpr int kReactionUsersShown = 10;     // user ids per emoji kept on the message itself

Result<AppendResult> duplicate_of(v1::Message original, const std::string& conversation_id) {
  if (original.conversation_id() != conversation_id) {
    return fail(v1::CONFLICT, "client_msg_id was already used for a message in another conversation");
  }
  AppendResult r;
  r.message = std::move(original);
  r.duplicate = true;
  return r;
}

void fill_ref(v1::MessageRef& ref, const v1::Message& m) {
  ref.set_conversation_id(m.conversation_id());
  ref.set_seq(m.seq());
  ref.set_sender_id(m.sender_id());
  ref.set_timestamp_ms(m.timestamp_ms());
  ref.set_kind(m.kind());
}

// The content of a stored message, without its timeline fields and the state later operations added.
v1::Message content_of(const v1::Message& m) {
  v1::Message c = m;
  for (auto clear : {&v1::Message::clear_seq, &v1::Message::clear_server_msg_id, &v1::Message::clear_client_msg_id,
                     &v1::Message::clear_edited_at_ms, &v1::Message::clear_edit_count, &v1::Message::clear_reactions,
                     &v1::Message::clear_mentions, &v1::Message::clear_mention_all, &v1::Message::clear_reply_to}) {
    (c.*clear)();
  }
  return c;
}

std::vector<std::string> direct_pair(const std::pair<std::string, std::string>& users) {
  return {users.first, users.second};
}

// Records who `m` mentions ('*' for @all), for the mention counts of conversation summaries.
void insert_mentions(Db& db, const v1::Message& m) {
  auto& s = db.stmt("INSERT OR IGNORE INTO mentions (conv_id, user_id, seq) VALUES (?, ?, ?)");
  for (const auto& user : m.mentions()) s.bind(m.conversation_id(), user, m.seq()).exec();
  if (m.mention_all()) s.bind(m.conversation_id(), "*", m.seq()).exec();
}

// Recomputes a message's reaction summary from the reactions table.
void summarize_reactions(Db& db, v1::Message& target) {
  target.clear_reactions();
  auto& counts = db.stmt(
      "SELECT emoji, COUNT(*) FROM reactions WHERE conv_id = ? AND seq = ? GROUP BY emoji ORDER BY MIN(created_at)");
  counts.bind(target.conversation_id(), target.seq());
  while (counts.step()) {
    auto* r = target.add_reactions();
    r->set_emoji(counts.text(0));
    r->set_count(static_cast<uint32_t>(counts.i64(1)));
  }
  auto& users = db.stmt(
      "SELECT user_id FROM reactions WHERE conv_id = ? AND seq = ? AND emoji = ? ORDER BY created_at LIMIT ?");
  for (auto& r : *target.mutable_reactions()) {
    users.bind(target.conversation_id(), target.seq(), r.emoji(), kReactionUsersShown);
    while (users.step()) r.add_user_ids(users.text(0));
  }
}

}  // namespace

uint64_t SqliteStore::append_user_event(Db& db, const std::string& user_id, const v1::Event& event) {
  uint64_t v = next_version();
  std::string body = event.SerializeAsString();
  db.stmt("INSERT INTO user_events (user_id, version, body) VALUES (?, ?, ?)").bind(user_id, v, Blob{body}).exec();
  return v;
}

void SqliteStore::insert_message(Db& db, const std::string& conv_id, v1::Message& m) {
  ConversationState conv = *conversation(db, conv_id);
  const bool countable = is_countable(m.kind());
  // The body holds the content only: the timeline fields live in their own columns.
  std::string sender = std::move(*m.mutable_sender_id());
  std::string client_msg_id = std::move(*m.mutable_client_msg_id());
  const int64_t now = m.timestamp_ms();
  m.clear_sender_id();
  m.clear_client_msg_id();
  m.clear_timestamp_ms();
  m.clear_conversation_id();
  std::string body = m.SerializeAsString();
  m.set_conversation_id(conv_id);
  m.set_seq(conv.max_seq + 1);
  m.set_server_msg_id(next_message_id(now));
  m.set_sender_id(sender);
  m.set_timestamp_ms(now);
  m.set_client_msg_id(!client_msg_id.empty() ? client_msg_id
                                             : (m.kind() == v1::SYSTEM ? "system-" : "auto-") + m.server_msg_id());
  int64_t fts_id = 0;
  if (std::string text = searchable_text(m); !text.empty()) {
    fts_id = static_cast<int64_t>(++fts_id_);
    index_message(db, fts_id, text, m);
  }
  conv.max_seq = m.seq();
  if (countable) ++conv.max_ord;
  db.stmt("INSERT INTO messages (conv_id, seq, server_msg_id, sender_id, client_msg_id, created_at, body, kind, ord, "
          "fts_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(conv_id, m.seq(), m.server_msg_id(), sender, m.client_msg_id(), now, Blob{body}, static_cast<int>(m.kind()),
            conv.max_ord, fts_id)
      .exec();
  db.stmt("UPDATE conversations SET version = ? WHERE conv_id = ?").bind(next_version(), conv_id).exec();
  stage_conversation(conv_id, std::move(conv));
}

Result<v1::Message> SqliteStore::load_readable(Db& db, const std::string& conv, uint64_t seq, const std::string& user) {
  auto state = conversation(db, conv);
  auto range = core::visible_range(load_member(db, conv, user), state ? state->max_seq : 0);
  if (!range) return std::unexpected(range.error());
  if (seq < range->first || seq > range->second) return fail(v1::NOT_FOUND, "no message " + std::to_string(seq));
  auto m = load_message(db, conv, seq);
  if (!m) return fail(v1::NOT_FOUND, "no message " + std::to_string(seq));
  return *m;
}

Status SqliteStore::prepare_content(Db& db, const MemberRecord& sender, v1::ConversationKind kind,
                                    v1::Message& content) {
  if (content.mention_all()) {
    if (auto ok = core::authorize_mention_all(sender, kind); !ok) return ok;
  }
  if (content.has_reply_to()) {
    const auto& ref = content.reply_to();
    if (!ref.conversation_id().empty() && ref.conversation_id() != sender.conversation_id) {
      return fail(v1::INVALID_ARGUMENT, "reply_to must be a message of the same conversation");
    }
    auto target = load_readable(db, sender.conversation_id, ref.seq(), sender.user_id);
    if (!target) return std::unexpected(target.error());
    if (is_operation(target->kind())) return fail(v1::INVALID_ARGUMENT, "reply_to cannot be an operation");
    fill_ref(*content.mutable_reply_to(), *target);
  }
  auto forwardable = [&](const v1::MessageRef& ref) -> Result<v1::Message> {
    auto source = load_readable(db, ref.conversation_id(), ref.seq(), sender.user_id);
    if (!source) return std::unexpected(source.error());
    if (source->revoked() || is_operation(source->kind()) || source->kind() == v1::SYSTEM) {
      return fail(v1::INVALID_ARGUMENT, "message " + std::to_string(ref.seq()) + " cannot be forwarded");
    }
    return source;
  };
  bool copied = false;
  if (content.has_forwarded_from()) {
    copied = true;  // a merged forward forwarded again keeps its entries as they are
    auto source = forwardable(content.forwarded_from());
    if (!source) return std::unexpected(source.error());
    // A forward is the source's content, not whatever the client claims it was.
    v1::Message copy = content_of(*source);
    copy.clear_conversation_id();
    copy.clear_sender_id();
    copy.clear_timestamp_ms();
    copy.clear_forwarded_from();
    fill_ref(*copy.mutable_forwarded_from(), *source);
    copy.set_sender_id(content.sender_id());
    copy.set_timestamp_ms(content.timestamp_ms());
    copy.set_client_msg_id(content.client_msg_id());
    content = std::move(copy);
  }
  if (content.kind() == v1::MERGED_FORWARD && !copied) {
    for (auto& entry : *content.mutable_merged()) {
      v1::MessageRef ref;
      ref.set_conversation_id(entry.conversation_id());
      ref.set_seq(entry.seq());
      auto source = forwardable(ref);
      if (!source) return std::unexpected(source.error());
      entry = content_of(*source);
      entry.set_seq(source->seq());
      entry.clear_merged();  // one level deep
    }
  }
  return {};
}

Result<AppendResult> SqliteStore::apply_append(Db& db, NewMessage in) {
  if (auto original = find_by_client_id(db, in.sender_id, in.client_msg_id)) {
    // A resend of an acked message gets its original ack, whatever changed since.
    return duplicate_of(std::move(*original), in.conversation_id);
  }
  auto conv = conversation(db, in.conversation_id);
  auto direct = core::parse_direct_conversation_id(in.conversation_id);
  if (direct && in.sender_id != direct->first && in.sender_id != direct->second) {
    return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
  }
  const std::string peer = !direct ? "" : in.sender_id == direct->first ? direct->second : direct->first;
  // Blocking shows the blocked side only this generic refusal.
  if (direct && is_blocked(db, peer, in.sender_id)) return fail(v1::PERMISSION_DENIED, "you cannot message this user");
  if (direct && is_blocked(db, in.sender_id, peer)) {
    return fail(v1::PERMISSION_DENIED, "you blocked this user; unblock them to send messages");
  }
  if (!conv) {
    if (!direct) return fail(v1::NOT_FOUND, "no conversation " + in.conversation_id);
    auto peer_user = load_user(db, peer);
    if (!peer_user) return fail(v1::NOT_FOUND, "no user " + peer);
    if (peer_user->disabled) return fail(v1::PERMISSION_DENIED, "user " + peer + " is disabled");
    if (options_.policy.direct_chat_friends_only && !are_friends(db, in.sender_id, peer)) {
      return fail(v1::PERMISSION_DENIED, "you can only start a chat with a friend");
    }
    if (is_operation(in.content.kind())) return fail(v1::NOT_FOUND, "no message " + std::to_string(in.content.target_seq()));
  }
  // A new direct conversation is written only once every check has passed (see WriteOp).
  const bool create_direct = !conv;
  std::optional<MemberRecord> member;
  if (create_direct) {
    member = MemberRecord{in.conversation_id, in.sender_id};
    conv = ConversationState{v1::DIRECT};
  } else {
    member = load_member(db, in.conversation_id, in.sender_id);
  }
  if (auto ok = core::authorize_send(member, conv->group.get(), in.timestamp_ms); !ok) return std::unexpected(ok.error());
  if (is_operation(in.content.kind())) return apply_operation(db, in, *conv, *member);

  AppendResult r;
  v1::Message& m = r.message;
  m = std::move(in.content);
  m.set_sender_id(in.sender_id);
  m.set_timestamp_ms(in.timestamp_ms);
  m.set_client_msg_id(in.client_msg_id);
  if (auto ok = prepare_content(db, *member, conv->kind, m); !ok) return std::unexpected(ok.error());
  if (!m.has_forwarded_from()) {
    if (auto ok = attach_media(db, in.sender_id, m); !ok) return std::unexpected(ok.error());
  }
  if (create_direct) {
    uint64_t v = next_version();
    db.stmt("INSERT INTO conversations (conv_id, kind, name, created_at, version) VALUES (?, ?, '', ?, ?)")
        .bind(in.conversation_id, static_cast<int>(v1::DIRECT), in.timestamp_ms, v)
        .exec();
    insert_member(db, in.conversation_id, direct->first, Role::kMember, 1, v);
    insert_member(db, in.conversation_id, direct->second, Role::kMember, 1, v);
    stage_conversation(in.conversation_id, ConversationState{v1::DIRECT});
  }
  insert_message(db, in.conversation_id, m);
  insert_mentions(db, m);
  record_blob_refs(db, in.conversation_id, m);
  if (is_countable(m.kind())) {
    // The sender has read everything up to their own message.
    db.stmt("UPDATE members SET read_seq = ?1, delivered_seq = MAX(delivered_seq, ?1) WHERE conv_id = ?2 AND user_id = ?3")
        .bind(m.seq(), in.conversation_id, in.sender_id)
        .exec();
  }
  r.recipients = direct ? direct_pair(*direct) : active_members(db, in.conversation_id);
  return r;
}

Result<AppendResult> SqliteStore::apply_operation(Db& db, NewMessage& in, const ConversationState& conv,
                                                  const MemberRecord& actor) {
  const v1::MessageKind op = in.content.kind();
  auto target = load_readable(db, in.conversation_id, in.content.target_seq(), in.sender_id);
  if (!target) return std::unexpected(target.error());
  if (auto ok = core::authorize_operation(op, actor, conv.kind, *target, in.timestamp_ms, options_.policy); !ok) {
    return std::unexpected(ok.error());
  }
  v1::Message record;  // the operation's own timeline entry
  record.set_kind(op);
  record.set_target_seq(target->seq());
  AppendResult r;
  if (op == v1::EDIT) {
    if (in.content.mention_all()) {
      if (auto ok = core::authorize_mention_all(actor, conv.kind); !ok) return std::unexpected(ok.error());
    }
    record.set_text(in.content.text());
    *record.mutable_mentions() = in.content.mentions();
    record.set_mention_all(in.content.mention_all());
    record.set_custom_data(in.content.custom_data());
    target->set_text(in.content.text());
    *target->mutable_mentions() = in.content.mentions();
    target->set_mention_all(in.content.mention_all());
    if (!in.content.custom_data().empty()) target->set_custom_data(in.content.custom_data());
    target->set_edited_at_ms(in.timestamp_ms);
    target->set_edit_count(target->edit_count() + 1);
    // The target's mentions are now the edit's.
    db.stmt("DELETE FROM mentions WHERE conv_id = ? AND seq = ?").bind(in.conversation_id, target->seq()).exec();
    insert_mentions(db, *target);
  } else if (op == v1::REVOKE) {
    v1::Message revoked;  // the timeline fields stay, the content goes
    revoked.set_conversation_id(target->conversation_id());
    revoked.set_seq(target->seq());
    revoked.set_server_msg_id(target->server_msg_id());
    revoked.set_client_msg_id(target->client_msg_id());
    revoked.set_sender_id(target->sender_id());
    revoked.set_timestamp_ms(target->timestamp_ms());
    revoked.set_kind(target->kind());
    revoked.set_revoked(true);
    revoked.set_revoked_by(in.sender_id);
    *target = std::move(revoked);
    db.stmt("DELETE FROM reactions WHERE conv_id = ? AND seq = ?").bind(in.conversation_id, target->seq()).exec();
    db.stmt("DELETE FROM mentions WHERE conv_id = ? AND seq = ?").bind(in.conversation_id, target->seq()).exec();
    drop_blob_refs(db, in.conversation_id, target->seq(), in.timestamp_ms);  // the blob's grace period starts
  } else {  // REACTION
    const std::string& emoji = in.content.reaction();
    record.set_reaction(emoji);
    record.set_reaction_removed(in.content.reaction_removed());
    if (in.content.reaction_removed()) {
      db.stmt("DELETE FROM reactions WHERE conv_id = ? AND seq = ? AND emoji = ? AND user_id = ?")
          .bind(in.conversation_id, target->seq(), emoji, in.sender_id)
          .exec();
    } else {
      bool known = std::any_of(target->reactions().begin(), target->reactions().end(),
                               [&](const v1::Reaction& x) { return x.emoji() == emoji; });
      if (!known && static_cast<size_t>(target->reactions_size()) >= kMaxReactionEmojis) {
        return fail(v1::TOO_LARGE, "a message can have at most 50 different reactions");
      }
      db.stmt("INSERT OR IGNORE INTO reactions (conv_id, seq, emoji, user_id, created_at) VALUES (?, ?, ?, ?, ?)")
          .bind(in.conversation_id, target->seq(), emoji, in.sender_id, in.timestamp_ms)
          .exec();
    }
    if (sqlite3_changes(db.handle()) == 0) {
      // Already there (or already gone): nothing to record. The ack says so with duplicate and no seq.
      r.message = std::move(record);
      r.message.set_conversation_id(in.conversation_id);
      r.duplicate = true;
      r.target = std::move(*target);
      return r;
    }
    summarize_reactions(db, *target);
  }
  save_message_body(db, *target, fts_id_);
  record.set_sender_id(in.sender_id);
  record.set_timestamp_ms(in.timestamp_ms);
  record.set_client_msg_id(in.client_msg_id);
  insert_message(db, in.conversation_id, record);
  r.message = std::move(record);
  r.target = std::move(*target);
  auto direct = core::parse_direct_conversation_id(in.conversation_id);
  r.recipients = direct ? direct_pair(*direct) : active_members(db, in.conversation_id);
  return r;
}

void SqliteStore::append_message(NewMessage message, Done<AppendResult> done) {
  write<AppendResult>(std::move(done), [this, message = std::move(message)](Db& db) mutable {
    return apply_append(db, std::move(message));
  });
}

// ---------------------------------------------------------------------------------------------- cursors

Result<ReadCursor> SqliteStore::apply_cursor(Db& db, const std::string& conv_id, const std::string& user,
                                             uint64_t seq, bool read) {
  auto conv = conversation(db, conv_id);
  auto member = load_member(db, conv_id, user);
  auto range = core::visible_range(member, conv ? conv->max_seq : 0);
  if (!range) return std::unexpected(range.error());
  const uint64_t target = std::min(seq, range->second);
  ReadCursor c{member->read_seq, member->delivered_seq, false, {}};
  if (read ? target <= member->read_seq : target <= member->delivered_seq) return c;
  if (read) {
    c.read_seq = target;
    c.delivered_seq = std::max(c.delivered_seq, target);
  } else {
    c.delivered_seq = target;
  }
  c.moved = true;
  db.stmt("UPDATE members SET read_seq = ?, delivered_seq = ?, version = ? WHERE conv_id = ? AND user_id = ?")
      .bind(c.read_seq, c.delivered_seq, next_version(), conv_id, user)
      .exec();
  if (auto direct = core::parse_direct_conversation_id(conv_id)) {
    // The peer's summary shows my cursors (receipts), so the conversation changed for them too.
    db.stmt("UPDATE conversations SET version = ? WHERE conv_id = ?").bind(next_version(), conv_id).exec();
    auto me = load_user(db, user);
    const std::string& peer = user == direct->first ? direct->second : direct->first;
    if (me && !me->privacy.receipts_disabled() && !is_blocked(db, peer, user)) c.receipt_to = peer;
  }
  return c;
}

void SqliteStore::mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) {
  write<ReadCursor>(std::move(done), [=, this](Db& db) { return apply_cursor(db, conversation_id, user_id, seq, true); });
}

void SqliteStore::mark_delivered(std::string conversation_id, std::string user_id, uint64_t seq,
                                 Done<ReadCursor> done) {
  write<ReadCursor>(std::move(done), [=, this](Db& db) { return apply_cursor(db, conversation_id, user_id, seq, false); });
}

// ---------------------------------------------------------------------------------------------- for me only

void SqliteStore::delete_for_me(std::string conversation_id, std::string user_id, std::vector<uint64_t> seqs,
                                Done<Notices> done) {
  write<Notices>(std::move(done), [=, this](Db& db) -> Result<Notices> {
    auto conv = conversation(db, conversation_id);
    auto range = core::visible_range(load_member(db, conversation_id, user_id), conv ? conv->max_seq : 0);
    if (!range) return std::unexpected(range.error());
    v1::Event event;
    auto* e = event.mutable_messages_deleted();
    e->set_conversation_id(conversation_id);
    for (uint64_t seq : seqs) {
      if (seq < range->first || seq > range->second) return fail(v1::NOT_FOUND, "no message " + std::to_string(seq));
    }
    for (uint64_t seq : seqs) {
      db.stmt("INSERT OR IGNORE INTO hidden_messages (user_id, conv_id, seq) VALUES (?, ?, ?)")
          .bind(user_id, conversation_id, seq)
          .exec();
      if (sqlite3_changes(db.handle()) > 0) e->add_seqs(seq);
    }
    if (e->seqs().empty()) return Notices{};
    append_user_event(db, user_id, event);
    db.stmt("UPDATE members SET version = ? WHERE conv_id = ? AND user_id = ?")
        .bind(next_version(), conversation_id, user_id)
        .exec();
    return Notices{{user_id, std::move(event)}};
  });
}

void SqliteStore::clear_for_me(std::string conversation_id, std::string user_id, uint64_t up_to_seq,
                               Done<Notices> done) {
  write<Notices>(std::move(done), [=, this](Db& db) -> Result<Notices> {
    auto conv = conversation(db, conversation_id);
    auto member = load_member(db, conversation_id, user_id);
    auto range = core::visible_range(member, conv ? conv->max_seq : 0);
    if (!range) return std::unexpected(range.error());
    const uint64_t target = up_to_seq == 0 ? range->second : std::min(up_to_seq, range->second);
    v1::Event event;
    auto* e = event.mutable_messages_deleted();
    e->set_conversation_id(conversation_id);
    e->set_cleared_seq(std::max(target, member->cleared_seq));
    if (target > member->cleared_seq) {
      db.stmt("UPDATE members SET cleared_seq = ?1, read_seq = MAX(read_seq, ?1), version = ?2 "
              "WHERE conv_id = ?3 AND user_id = ?4")
          .bind(target, next_version(), conversation_id, user_id)
          .exec();
      append_user_event(db, user_id, event);
    }
    return Notices{{user_id, std::move(event)}};
  });
}

void SqliteStore::update_settings(std::string conversation_id, std::string user_id, SettingsUpdate update,
                                  Done<SettingsResult> done) {
  write<SettingsResult>(std::move(done), [=, this](Db& db) -> Result<SettingsResult> {
    auto conv = conversation(db, conversation_id);
    auto& row = db.stmt("SELECT settings, hidden_seq FROM members WHERE conv_id = ? AND user_id = ?");
    row.bind(conversation_id, user_id);
    if (!conv || !row.step()) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    SettingsResult r;
    auto blob = row.blob(0);
    r.settings.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
    uint64_t hidden_seq = static_cast<uint64_t>(row.i64(1));
    row.reset();
    if (update.pinned) r.settings.set_pinned(*update.pinned);
    if (update.archived) r.settings.set_archived(*update.archived);
    if (update.muted_until_ms) r.settings.set_muted_until_ms(*update.muted_until_ms);
    if (update.draft) r.settings.set_draft(*update.draft);
    if (update.custom_data) r.settings.set_custom_data(*update.custom_data);
    if (update.hidden) hidden_seq = *update.hidden ? conv->max_seq : 0;
    r.hidden = hidden_seq > 0 && last_shown_seq(db, conversation_id) <= hidden_seq;
    std::string bytes = r.settings.SerializeAsString();
    db.stmt("UPDATE members SET settings = ?, hidden_seq = ?, version = ? WHERE conv_id = ? AND user_id = ?")
        .bind(Blob{bytes}, hidden_seq, next_version(), conversation_id, user_id)
        .exec();
    return r;
  });
}

}  // namespace parley::store::sqlite
