#include "server/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>

#include <spdlog/spdlog.h>

#include "common/post_batch.h"
#include "common/random.h"
#include "server/core/authz.h"
#include "server/core/ids.h"
#include "server/store/sqlite/migrations.h"

namespace parley::store::sqlite {
namespace {

std::unexpected<Error> store_failure(const SqliteError& e) {
  if (e.code() == SQLITE_FULL || (e.code() & 0xff) == SQLITE_FULL) {
    return fail(v1::UNAVAILABLE, "the server's disk is full; nothing was saved");
  }
  return fail(v1::UNAVAILABLE, std::string("storage error: ") + e.what());
}

// The columns message_from_row() reads, in order. A macro, so that each statement stays one string literal
// (statements are cached by the literal's address).
#define MESSAGE_COLUMNS "conv_id, seq, server_msg_id, sender_id, client_msg_id, created_at, body"

v1::Message message_from_row(const Stmt& s) {
  v1::Message m;
  auto body = s.blob(6);
  m.ParseFromArray(body.data(), static_cast<int>(body.size()));
  m.set_conversation_id(s.text(0));
  m.set_seq(static_cast<uint64_t>(s.i64(1)));
  m.set_server_msg_id(s.text(2));
  m.set_sender_id(s.text(3));
  m.set_client_msg_id(s.text(4));
  m.set_timestamp_ms(s.i64(5));
  return m;
}

SessionRecord session_from_row(const Stmt& s) {
  SessionRecord r;
  r.token_hash = s.text(0);
  r.refresh_hash = s.text(1);
  r.user_id = s.text(2);
  r.device_id = s.text(3);
  r.platform = static_cast<v1::Platform>(s.i64(4));
  r.created_at_ms = s.i64(5);
  r.expires_at_ms = s.i64(6);
  r.refresh_expires_at_ms = s.i64(7);
  r.last_seen_ms = s.i64(8);
  return r;
}

#define SESSION_COLUMNS \
  "token_hash, refresh_hash, user_id, device_id, platform, created_at, expires_at, refresh_expires_at, last_seen"

std::optional<UserRecord> load_user(Db& db, const std::string& user_id) {
  auto& s = db.stmt("SELECT user_id, display_name, password_hash, disabled, created_at FROM users WHERE user_id = ?");
  s.bind(user_id);
  if (!s.step()) return std::nullopt;
  return UserRecord{s.text(0), s.text(1), s.text(2), s.i64(3) != 0, s.i64(4)};
}

std::optional<MemberRecord> load_member(Db& db, const std::string& conv, const std::string& user) {
  auto& s = db.stmt(
      "SELECT role, active, min_seq, last_seq, read_seq FROM members WHERE conv_id = ? AND user_id = ?");
  s.bind(conv, user);
  if (!s.step()) return std::nullopt;
  MemberRecord m;
  m.conversation_id = conv;
  m.user_id = user;
  m.role = static_cast<Role>(s.i64(0));
  m.active = s.i64(1) != 0;
  m.min_seq = static_cast<uint64_t>(s.i64(2));
  m.last_seq = static_cast<uint64_t>(s.i64(3));
  m.read_seq = static_cast<uint64_t>(s.i64(4));
  return m;
}

// The earlier message with this sender and client_msg_id, if any.
std::optional<v1::Message> find_by_client_id(Db& db, const std::string& sender, const std::string& client_msg_id) {
  auto& s = db.stmt("SELECT " MESSAGE_COLUMNS " "
                    "FROM messages WHERE sender_id = ? AND client_msg_id = ?");
  s.bind(sender, client_msg_id);
  if (!s.step()) return std::nullopt;
  return message_from_row(s);
}

Result<AppendResult> duplicate_of(v1::Message original, const std::string& conversation_id) {
  if (original.conversation_id() != conversation_id) {
    return fail(v1::CONFLICT, "client_msg_id was already used for a message in another conversation");
  }
  AppendResult r;
  r.message = std::move(original);
  r.duplicate = true;
  return r;
}

std::vector<std::string> active_members(Db& db, const std::string& conv) {
  auto& s = db.stmt("SELECT user_id FROM members WHERE conv_id = ? AND active = 1");
  s.bind(conv);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void insert_member(Db& db, const std::string& conv, const std::string& user, Role role, uint64_t min_seq,
                   uint64_t version) {
  db.stmt(
        "INSERT INTO members (conv_id, user_id, role, active, min_seq, last_seq, read_seq, version) "
        "VALUES (?, ?, ?, 1, ?, 0, ?, ?) "
        "ON CONFLICT (conv_id, user_id) DO UPDATE SET role = excluded.role, active = 1, "
        "min_seq = excluded.min_seq, last_seq = 0, read_seq = excluded.read_seq, version = excluded.version")
      .bind(conv, user, static_cast<int>(role), min_seq, min_seq - 1, version)
      .exec();
}

std::vector<std::string> deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- lifecycle

SqliteStore::SqliteStore(Options options) : options_(std::move(options)) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(Options options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
  try {
    store->start();
  } catch (const SqliteError& e) {
    return fail(v1::UNAVAILABLE, "cannot open the database " + store->options_.path + ": " + e.what());
  }
  return store;
}

void SqliteStore::start() {
  writer_db_ = std::make_unique<Db>(options_.path, Db::Mode::kReadWrite);
  writer_db_->exec("PRAGMA journal_mode = WAL");
  writer_db_->exec(options_.durability == Durability::kFull ? "PRAGMA synchronous = FULL"
                                                            : "PRAGMA synchronous = NORMAL");
  writer_db_->exec("PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY");
  migrate(*writer_db_);
  auto& s = writer_db_->stmt("SELECT COALESCE(MAX(version), 0) FROM members");
  s.bind();
  if (s.step()) version_ = static_cast<uint64_t>(s.i64(0));
  s.bind();
  id_salt_ = random_u64() & 0x3ff;
  for (int i = 0; i < std::max(1, options_.read_connections); ++i) {
    auto db = std::make_unique<Db>(options_.path, Db::Mode::kReadOnly);
    db->exec("PRAGMA query_only = 1");
    idle_readers_.push_back(std::move(db));
  }
  // Checkpoints leave the writer: its commits only append to the WAL, and the checkpointer is told when the
  // WAL has grown past kCheckpointPages.
  checkpoint_db_ = std::make_unique<Db>(options_.path, Db::Mode::kReadWrite);
  sqlite3_wal_hook(
      writer_db_->handle(),
      [](void* self, sqlite3*, const char*, int pages) {
        constexpr int kCheckpointPages = 1000;
        if (pages >= kCheckpointPages) {
          auto* store = static_cast<SqliteStore*>(self);
          std::lock_guard lock(store->checkpoint_mu_);
          store->checkpoint_wanted_ = true;
          store->checkpoint_cv_.notify_one();
        }
        return SQLITE_OK;
      },
      this);
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
  writer_ = std::thread([this] { writer_loop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void SqliteStore::checkpoint_loop() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return checkpoint_wanted_ || checkpoint_stopping_; });
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what it can without waiting for readers or the writer; a busy database is retried later.
    sqlite3_wal_checkpoint_v2(checkpoint_db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

void SqliteStore::flush() {
  std::promise<void> flushed;
  enqueue(WriteOp{[](Db&) -> Status { return {}; }, [&](const Status&) { flushed.set_value(); }});
  flushed.get_future().wait();
}

// ---------------------------------------------------------------------------------------------- writer

std::optional<SqliteStore::ConversationState> SqliteStore::conversation(Db& db, const std::string& id) {
  for (auto it = staged_.rbegin(); it != staged_.rend(); ++it) {
    if (it->first == id) return it->second;
  }
  if (auto it = conversations_.find(id); it != conversations_.end()) return it->second;
  auto& row = db.stmt("SELECT kind, name FROM conversations WHERE conv_id = ?");
  row.bind(id);
  if (!row.step()) return std::nullopt;
  ConversationState state{static_cast<v1::ConversationKind>(row.i64(0)), row.text(1), 0};
  auto& max = db.stmt("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conv_id = ?");
  max.bind(id);
  if (max.step()) state.max_seq = static_cast<uint64_t>(max.i64(0));
  constexpr size_t kMaxCached = 100000;
  if (conversations_.size() >= kMaxCached) conversations_.clear();
  conversations_.emplace(id, state);
  return state;
}

void SqliteStore::stage_conversation(const std::string& id, ConversationState state) {
  staged_.emplace_back(id, std::move(state));
}

// Time-ordered and unique within this store: 42 bits of milliseconds, 10 random bits chosen at start, 12 bits
// of counter; 13 base32 characters.
std::string SqliteStore::next_message_id(int64_t now_ms) {
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(now_ms, 0));
  if (ms > id_ms_) {
    id_ms_ = ms;
    id_counter_ = 0;
  } else if (++id_counter_ >= (1u << 12)) {
    ++id_ms_;
    id_counter_ = 0;
  }
  uint64_t v = (id_ms_ << 22) | (id_salt_ << 12) | id_counter_;
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string out(13, '0');
  for (int i = 12; i >= 0; --i, v >>= 5) out[i] = kAlphabet[v & 31];
  return out;
}

void SqliteStore::enqueue(WriteOp op) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_ && queue_.size() < options_.max_queued_writes) {
      queue_.push_back(std::move(op));
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  op.complete(fail(v1::UNAVAILABLE, "the store is overloaded or shutting down; retry later"));
}

void SqliteStore::writer_loop() {
  std::vector<WriteOp> batch;
  std::vector<Status> results;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto started = std::chrono::steady_clock::now();
    Status commit = run_batch(batch, results);
    if (!commit) spdlog::error("store: a batch of {} writes failed: {}", batch.size(), commit.error().message);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.on_commit) options_.on_commit(batch.size(), seconds);
    {
      PostBatch posts;  // the batch's acks and events reach each I/O thread as one handler
      for (size_t i = 0; i < batch.size(); ++i) batch[i].complete(commit ? results[i] : commit);
    }
    batch.clear();
  }
}

Status SqliteStore::run_batch(std::vector<WriteOp>& batch, std::vector<Status>& results) {
  Db& db = *writer_db_;
  results.assign(batch.size(), Status{});
  try {
    db.stmt("BEGIN IMMEDIATE").exec();
    for (size_t i = 0; i < batch.size(); ++i) {
      // A write that fails returns before writing anything (see WriteOp), so no savepoint is needed: they
      // cost a copy of every page the write touches. Only a thrown SqliteError can leave a write half done,
      // and it aborts the whole batch below.
      results[i] = batch[i].apply(db);
      if (results[i]) {
        for (auto& [id, state] : staged_) conversations_.insert_or_assign(id, std::move(state));
      }
      staged_.clear();
    }
    db.reset_all();
    db.stmt("COMMIT").exec();
    return {};
  } catch (const SqliteError& e) {
    conversations_.clear();
    staged_.clear();
    db.reset_all();
    if (!sqlite3_get_autocommit(db.handle())) {
      try {
        db.exec("ROLLBACK");
      } catch (const SqliteError&) {
      }
    }
    return store_failure(e);
  }
}

template <typename T>
void SqliteStore::write(Done<T> done, std::function<Result<T>(Db&)> fn) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  enqueue(WriteOp{
      [slot, fn = std::move(fn)](Db& db) -> Status {
        *slot = fn(db);
        if (slot->value()) return {};
        return std::unexpected(slot->value().error());
      },
      [slot, done = std::move(done)](const Status& status) {
        if (!status) return done(std::unexpected(status.error()));
        done(std::move(slot->value()));
      }});
}

template <typename F>
auto SqliteStore::read(F&& fn) -> decltype(fn(std::declval<Db&>())) {
  std::unique_ptr<Db> db;
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
    db = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  // Returns the connection to the pool however the read ends.
  struct Lease {
    SqliteStore* store;
    std::unique_ptr<Db>& db;
    ~Lease() {
      db->reset_all();
      std::lock_guard lock(store->readers_mu_);
      store->idle_readers_.push_back(std::move(db));
      store->readers_cv_.notify_one();
    }
  } lease{this, db};
  try {
    return fn(*db);
  } catch (const SqliteError& e) {
    return store_failure(e);
  }
}

// ---------------------------------------------------------------------------------------------- reads

Result<UserRecord> SqliteStore::get_user(const std::string& user_id) {
  return read([&](Db& db) -> Result<UserRecord> {
    auto user = load_user(db, user_id);
    if (!user) return fail(v1::NOT_FOUND, "no user " + user_id);
    return *user;
  });
}

Result<SessionRecord> SqliteStore::get_session(const std::string& token_hash) {
  return read([&](Db& db) -> Result<SessionRecord> {
    auto& s = db.stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = ?");
    s.bind(token_hash);
    if (!s.step()) return fail(v1::NOT_FOUND, "no such session");
    return session_from_row(s);
  });
}

Result<SessionRecord> SqliteStore::get_session_by_refresh(const std::string& refresh_hash) {
  return read([&](Db& db) -> Result<SessionRecord> {
    auto& s = db.stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE refresh_hash = ?");
    s.bind(refresh_hash);
    if (!s.step()) return fail(v1::NOT_FOUND, "no such session");
    return session_from_row(s);
  });
}

Result<std::vector<SessionRecord>> SqliteStore::list_sessions(const std::string& user_id) {
  return read([&](Db& db) -> Result<std::vector<SessionRecord>> {
    auto& s = db.stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE user_id = ? ORDER BY created_at");
    s.bind(user_id);
    std::vector<SessionRecord> out;
    while (s.step()) out.push_back(session_from_row(s));
    return out;
  });
}

Result<MemberRecord> SqliteStore::get_member(const std::string& conversation_id, const std::string& user_id) {
  return read([&](Db& db) -> Result<MemberRecord> {
    auto m = load_member(db, conversation_id, user_id);
    if (!m) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    return *m;
  });
}

Result<SyncPage> SqliteStore::sync(const std::string& user_id, uint64_t cursor, uint32_t limit) {
  return read([&](Db& db) -> Result<SyncPage> {
    auto& s = db.stmt(
        "SELECT m.conv_id, m.active, m.min_seq, m.last_seq, m.read_seq, m.version, c.kind, c.name, "
        "(SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conv_id = m.conv_id) "
        "FROM members m JOIN conversations c ON c.conv_id = m.conv_id "
        "WHERE m.user_id = ? AND m.version > ? ORDER BY m.version LIMIT ?");
    s.bind(user_id, cursor, static_cast<int64_t>(limit) + 1);
    SyncPage page;
    page.cursor = cursor;
    std::vector<std::pair<v1::ConversationSummary, uint64_t>> rows;
    while (s.step()) {
      if (rows.size() == limit) {
        page.has_more = true;
        break;
      }
      v1::ConversationSummary c;
      c.set_conversation_id(s.text(0));
      c.set_active(s.i64(1) != 0);
      c.set_min_seq(static_cast<uint64_t>(s.i64(2)));
      uint64_t last_seq = static_cast<uint64_t>(s.i64(3));
      uint64_t read_seq = static_cast<uint64_t>(s.i64(4));
      uint64_t version = static_cast<uint64_t>(s.i64(5));
      c.set_kind(static_cast<v1::ConversationKind>(s.i64(6)));
      c.set_name(s.text(7));
      uint64_t max_seq = static_cast<uint64_t>(s.i64(8));
      uint64_t hi = c.active() ? max_seq : std::min(max_seq, last_seq);
      c.set_max_seq(hi);
      c.set_read_seq(read_seq);
      uint64_t seen = std::max(read_seq, c.min_seq() - 1);
      c.set_unread_count(hi > seen ? hi - seen : 0);
      rows.emplace_back(std::move(c), version);
    }
    auto& last = db.stmt(
        "SELECT " MESSAGE_COLUMNS " FROM messages "
        "WHERE conv_id = ? AND seq = ?");
    // A page also stops at about kMaxReplyBytes, so a reply stays well inside a connection's queue limit
    // however long the last messages are; the rest follows with has_more.
    size_t bytes = 0;
    for (auto& [c, version] : rows) {
      if (bytes >= kMaxReplyBytes) {
        page.has_more = true;
        break;
      }
      if (c.max_seq() >= c.min_seq()) {
        last.bind(c.conversation_id(), c.max_seq());
        if (last.step()) *c.mutable_last_message() = message_from_row(last);
      }
      bytes += c.ByteSizeLong();
      page.cursor = version;
      page.conversations.push_back(std::move(c));
    }
    return page;
  });
}

Result<PullPage> SqliteStore::pull(const std::string& conversation_id, uint64_t lo, uint64_t hi,
                                   Direction direction, uint32_t limit) {
  return read([&](Db& db) -> Result<PullPage> {
    auto& s = direction == Direction::kAfter
                  ? db.stmt("SELECT " MESSAGE_COLUMNS " "
                            "FROM messages WHERE conv_id = ? AND seq >= ? AND seq <= ? ORDER BY seq ASC LIMIT ?")
                  : db.stmt("SELECT " MESSAGE_COLUMNS " "
                            "FROM messages WHERE conv_id = ? AND seq >= ? AND seq <= ? ORDER BY seq DESC LIMIT ?");
    // One row more than asked for tells whether the range goes on.
    s.bind(conversation_id, lo, hi, static_cast<int64_t>(limit) + 1);
    PullPage page;
    size_t bytes = 0;
    for (;;) {
      if (!s.step()) {
        page.end = true;
        break;
      }
      if (page.messages.size() == limit || bytes >= kMaxReplyBytes) break;
      page.messages.push_back(message_from_row(s));
      bytes += page.messages.back().ByteSizeLong();
    }
    return page;
  });
}

// ---------------------------------------------------------------------------------------------- accounts

void SqliteStore::create_user(UserRecord user, Done<UserRecord> done) {
  write<UserRecord>(std::move(done), [user = std::move(user)](Db& db) -> Result<UserRecord> {
    if (load_user(db, user.user_id)) return fail(v1::CONFLICT, "user id " + user.user_id + " is taken");
    db.stmt("INSERT INTO users (user_id, display_name, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(user.user_id, user.display_name, user.password_hash, user.disabled, user.created_at_ms)
        .exec();
    return user;
  });
}

void SqliteStore::update_user(std::string user_id, UserUpdate update, Done<UserRecord> done) {
  write<UserRecord>(std::move(done), [user_id = std::move(user_id), update = std::move(update)](Db& db)
                                         -> Result<UserRecord> {
    auto user = load_user(db, user_id);
    if (!user) return fail(v1::NOT_FOUND, "no user " + user_id);
    if (update.display_name) user->display_name = *update.display_name;
    if (update.disabled) user->disabled = *update.disabled;
    if (update.password_hash) user->password_hash = *update.password_hash;
    db.stmt("UPDATE users SET display_name = ?, disabled = ?, password_hash = ? WHERE user_id = ?")
        .bind(user->display_name, user->disabled, user->password_hash, user_id)
        .exec();
    return *user;
  });
}

namespace {

std::vector<SessionRecord> delete_device_sessions(Db& db, const std::string& user_id, const std::string& device_id) {
  std::vector<SessionRecord> deleted;
  auto& s = device_id.empty()
                ? db.stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE user_id = ?1 AND ?2 = ''")
                : db.stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE user_id = ?1 AND device_id = ?2");
  s.bind(user_id, device_id);
  while (s.step()) deleted.push_back(session_from_row(s));
  s.bind();
  for (const auto& d : deleted) db.stmt("DELETE FROM sessions WHERE token_hash = ?").bind(d.token_hash).exec();
  return deleted;
}

void insert_session(Db& db, const SessionRecord& r) {
  db.stmt("INSERT INTO sessions (" SESSION_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(r.token_hash, r.refresh_hash, r.user_id, r.device_id, static_cast<int>(r.platform), r.created_at_ms,
            r.expires_at_ms, r.refresh_expires_at_ms, r.last_seen_ms)
      .exec();
}

}  // namespace

void SqliteStore::create_session(SessionRecord session, std::vector<std::string> replaced_devices,
                                 Done<std::vector<SessionRecord>> done) {
  write<std::vector<SessionRecord>>(
      std::move(done), [session = std::move(session), replaced = std::move(replaced_devices)](
                           Db& db) -> Result<std::vector<SessionRecord>> {
        // Checked again here: the user may have been disabled while the password was being verified.
        auto user = load_user(db, session.user_id);
        if (!user) return fail(v1::NOT_FOUND, "no user " + session.user_id);
        if (user->disabled) return fail(v1::PERMISSION_DENIED, "this account is disabled");
        std::vector<SessionRecord> deleted = delete_device_sessions(db, session.user_id, session.device_id);
        for (const auto& device : deduplicated(replaced)) {
          if (device == session.device_id) continue;
          auto more = delete_device_sessions(db, session.user_id, device);
          deleted.insert(deleted.end(), more.begin(), more.end());
        }
        insert_session(db, session);
        return deleted;
      });
}

void SqliteStore::rotate_session(std::string old_refresh_hash, SessionRecord fresh, Done<SessionRecord> done) {
  write<SessionRecord>(std::move(done), [old = std::move(old_refresh_hash), fresh = std::move(fresh)](
                                            Db& db) -> Result<SessionRecord> {
    db.stmt("DELETE FROM sessions WHERE refresh_hash = ?").bind(old).exec();
    if (sqlite3_changes(db.handle()) == 0) return fail(v1::UNAUTHENTICATED, "the refresh token is not valid");
    insert_session(db, fresh);
    return fresh;
  });
}

void SqliteStore::delete_sessions(std::string user_id, std::string device_id, Done<std::vector<SessionRecord>> done) {
  write<std::vector<SessionRecord>>(
      std::move(done), [user_id = std::move(user_id), device_id = std::move(device_id)](Db& db)
                           -> Result<std::vector<SessionRecord>> { return delete_device_sessions(db, user_id, device_id); });
}

void SqliteStore::touch_session(std::string token_hash, int64_t now_ms) {
  write<bool>([](Result<bool>) {}, [token_hash = std::move(token_hash), now_ms](Db& db) -> Result<bool> {
    db.stmt("UPDATE sessions SET last_seen = ? WHERE token_hash = ?").bind(now_ms, token_hash).exec();
    return true;
  });
}

// ---------------------------------------------------------------------------------------------- messages

v1::Message SqliteStore::insert_system_message(Db& db, const std::string& conv, uint64_t seq,
                                               const std::string& actor, v1::SystemEvent event, int64_t now_ms) {
  v1::Message m;
  m.set_kind(v1::SYSTEM);
  *m.mutable_system() = std::move(event);
  std::string body = m.SerializeAsString();
  m.set_conversation_id(conv);
  m.set_seq(seq);
  m.set_server_msg_id(next_message_id(now_ms));
  m.set_sender_id(actor);
  m.set_client_msg_id("system-" + m.server_msg_id());
  m.set_timestamp_ms(now_ms);
  db.stmt("INSERT INTO messages (" MESSAGE_COLUMNS ") "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(conv, seq, m.server_msg_id(), actor, m.client_msg_id(), now_ms, Blob{body})
      .exec();
  return m;
}

Result<AppendResult> SqliteStore::apply_append(Db& db, const NewMessage& in) {
  auto conv = conversation(db, in.conversation_id);
  auto direct_users = core::parse_direct_conversation_id(in.conversation_id);
  if (!conv) {
    if (!direct_users) return fail(v1::NOT_FOUND, "no conversation " + in.conversation_id);
    if (in.sender_id != direct_users->first && in.sender_id != direct_users->second) {
      return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    }
    const std::string& peer = in.sender_id == direct_users->first ? direct_users->second : direct_users->first;
    auto peer_user = load_user(db, peer);
    if (!peer_user) return fail(v1::NOT_FOUND, "no user " + peer);
    if (peer_user->disabled) return fail(v1::PERMISSION_DENIED, "user " + peer + " is disabled");
    if (auto original = find_by_client_id(db, in.sender_id, in.client_msg_id)) {
      return duplicate_of(std::move(*original), in.conversation_id);  // fail before writing (see WriteOp)
    }
    db.stmt("INSERT INTO conversations (conv_id, kind, name, created_at) VALUES (?, ?, '', ?)")
        .bind(in.conversation_id, static_cast<int>(v1::DIRECT), in.timestamp_ms)
        .exec();
    uint64_t v = next_version();
    insert_member(db, in.conversation_id, direct_users->first, Role::kMember, 1, v);
    insert_member(db, in.conversation_id, direct_users->second, Role::kMember, 1, v);
    conv = ConversationState{v1::DIRECT, "", 0};
  }

  // Direct conversations never change members: their id says who may post.
  Status allowed = conv->kind == v1::DIRECT
                       ? (in.sender_id == direct_users->first || in.sender_id == direct_users->second
                              ? Status{}
                              : fail(v1::PERMISSION_DENIED, "you are not a member of this conversation"))
                       : core::authorize_send(load_member(db, in.conversation_id, in.sender_id));
  if (!allowed) {
    // A resend of a message acked before the sender lost access still gets its original ack.
    if (auto original = find_by_client_id(db, in.sender_id, in.client_msg_id)) {
      return duplicate_of(std::move(*original), in.conversation_id);
    }
    return std::unexpected(allowed.error());
  }

  AppendResult r;
  v1::Message& m = r.message;
  m = in.content;
  std::string body = m.SerializeAsString();
  m.set_conversation_id(in.conversation_id);
  m.set_seq(conv->max_seq + 1);
  m.set_server_msg_id(next_message_id(in.timestamp_ms));
  m.set_sender_id(in.sender_id);
  m.set_client_msg_id(in.client_msg_id);
  m.set_timestamp_ms(in.timestamp_ms);

  db.stmt("INSERT INTO messages (" MESSAGE_COLUMNS ") "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender_id, client_msg_id) DO NOTHING")
      .bind(in.conversation_id, m.seq(), m.server_msg_id(), in.sender_id, in.client_msg_id, in.timestamp_ms,
            Blob{body})
      .exec();
  if (sqlite3_changes(db.handle()) == 0) {  // an earlier send with this client_msg_id: its ack, nothing new
    auto original = find_by_client_id(db, in.sender_id, in.client_msg_id);
    if (!original) return fail(v1::INTERNAL, "message insert ignored without a conflicting message");
    return duplicate_of(std::move(*original), in.conversation_id);
  }
  stage_conversation(in.conversation_id, ConversationState{conv->kind, conv->name, m.seq()});
  // Every active member sees a change (sync); the sender has read everything up to their own message.
  // (Not "RETURNING user_id": SQLite's RETURNING costs more than the separate query below.)
  db.stmt("UPDATE members SET version = ?, read_seq = CASE WHEN user_id = ? THEN ? ELSE read_seq END "
          "WHERE conv_id = ? AND active = 1")
      .bind(next_version(), in.sender_id, m.seq(), in.conversation_id)
      .exec();
  if (conv->kind == v1::DIRECT) {
    r.recipients = {direct_users->first, direct_users->second};
  } else {
    r.recipients = active_members(db, in.conversation_id);
  }
  return r;
}

void SqliteStore::append_message(NewMessage message, Done<AppendResult> done) {
  write<AppendResult>(std::move(done), [this, message = std::move(message)](Db& db) {
    return apply_append(db, message);
  });
}

void SqliteStore::create_group(std::string conversation_id, std::string name, std::string creator,
                               std::vector<std::string> members, int64_t now_ms, uint32_t max_members,
                               Done<MembershipChange> done) {
  write<MembershipChange>(std::move(done), [=, this, members = deduplicated(std::move(members))](
                                               Db& db) -> Result<MembershipChange> {
    std::vector<std::string> others;
    for (const auto& u : members) {
      if (u == creator) continue;
      auto user = load_user(db, u);
      if (!user || user->disabled) return fail(v1::NOT_FOUND, "no user " + u);
      others.push_back(u);
    }
    if (others.size() + 1 > max_members) {
      return fail(v1::TOO_LARGE, "a group can have at most " + std::to_string(max_members) + " members");
    }
    if (conversation(db, conversation_id)) return fail(v1::CONFLICT, "conversation exists");
    db.stmt("INSERT INTO conversations (conv_id, kind, name, created_at) VALUES (?, ?, ?, ?)")
        .bind(conversation_id, static_cast<int>(v1::GROUP), name, now_ms)
        .exec();
    uint64_t v = next_version();
    insert_member(db, conversation_id, creator, Role::kOwner, 1, v);
    for (const auto& u : others) insert_member(db, conversation_id, u, Role::kMember, 1, v);
    v1::SystemEvent event;
    event.set_action(v1::SystemEvent::GROUP_CREATED);
    event.set_actor_id(creator);
    for (const auto& u : others) event.add_user_ids(u);
    MembershipChange change;
    change.system_message = insert_system_message(db, conversation_id, 1, creator, std::move(event), now_ms);
    stage_conversation(conversation_id, ConversationState{v1::GROUP, name, 1});
    db.stmt("UPDATE members SET read_seq = 1 WHERE conv_id = ? AND user_id = ?").bind(conversation_id, creator).exec();
    change.added = others;
    change.added.push_back(creator);
    change.recipients = change.added;
    change.name = name;
    return change;
  });
}

Result<MembershipChange> SqliteStore::apply_member_change(Db& db, const std::string& conv, const std::string& actor,
                                                          MemberOp op, std::vector<std::string> users,
                                                          int64_t now_ms, uint32_t max_members) {
  auto row = conversation(db, conv);
  if (!row || row->kind != v1::GROUP) return fail(v1::NOT_FOUND, "no group " + conv);
  users = deduplicated(std::move(users));
  std::vector<std::optional<MemberRecord>> targets;
  for (const auto& u : users) targets.push_back(load_member(db, conv, u));
  if (auto ok = core::authorize_member_change(load_member(db, conv, actor), op, users, targets); !ok) {
    return std::unexpected(ok.error());
  }
  const uint64_t seq = row->max_seq + 1;
  MembershipChange change;
  change.name = row->name;
  v1::SystemEvent event;
  event.set_actor_id(actor);
  if (op == MemberOp::kAdd) {
    for (const auto& u : users) {
      auto user = load_user(db, u);
      if (!user || user->disabled) return fail(v1::NOT_FOUND, "no user " + u);
    }
    if (active_members(db, conv).size() + users.size() > max_members) {
      return fail(v1::TOO_LARGE, "a group can have at most " + std::to_string(max_members) + " members");
    }
    uint64_t v = next_version();
    for (const auto& u : users) insert_member(db, conv, u, Role::kMember, seq, v);
    event.set_action(v1::SystemEvent::MEMBERS_ADDED);
    change.added = users;
  } else {
    for (const auto& u : users) {
      db.stmt("UPDATE members SET active = 0, last_seq = ? WHERE conv_id = ? AND user_id = ?").bind(seq, conv, u).exec();
    }
    event.set_action(v1::SystemEvent::MEMBERS_REMOVED);
    change.removed = users;
  }
  for (const auto& u : users) event.add_user_ids(u);
  change.system_message = insert_system_message(db, conv, seq, actor, std::move(event), now_ms);
  stage_conversation(conv, ConversationState{row->kind, row->name, seq});
  // Everyone who can see the new seq gets a new version, removed members included (they see their removal).
  uint64_t v = next_version();
  db.stmt("UPDATE members SET version = ? WHERE conv_id = ? AND (active = 1 OR last_seq = ?)").bind(v, conv, seq).exec();
  change.recipients = active_members(db, conv);
  change.recipients.insert(change.recipients.end(), change.removed.begin(), change.removed.end());
  return change;
}

void SqliteStore::change_members(std::string conversation_id, std::string actor, MemberOp op,
                                 std::vector<std::string> users, int64_t now_ms, uint32_t max_members,
                                 Done<MembershipChange> done) {
  write<MembershipChange>(std::move(done), [=, this, users = std::move(users)](Db& db) {
    return apply_member_change(db, conversation_id, actor, op, users, now_ms, max_members);
  });
}

void SqliteStore::mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) {
  write<ReadCursor>(std::move(done), [=, this](Db& db) -> Result<ReadCursor> {
    auto conv = conversation(db, conversation_id);
    auto member = load_member(db, conversation_id, user_id);
    auto range = core::visible_range(member, conv ? conv->max_seq : 0);
    if (!range) return std::unexpected(range.error());
    uint64_t target = std::min(seq, range->second);
    if (target <= member->read_seq) return ReadCursor{member->read_seq, false};
    db.stmt("UPDATE members SET read_seq = ?, version = ? WHERE conv_id = ? AND user_id = ?")
        .bind(target, next_version(), conversation_id, user_id)
        .exec();
    return ReadCursor{target, true};
  });
}

}  // namespace parley::store::sqlite
