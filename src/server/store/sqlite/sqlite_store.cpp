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
#include "server/store/sqlite/rows.h"

namespace parley::store::sqlite {
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
  writer_db_->exec("PRAGMA cache_size = -65536");
  const int from_version = migrate(*writer_db_);
  // Versions and index rows continue from where the last run stopped.
  auto& s = writer_db_->stmt(
      "SELECT MAX((SELECT COALESCE(MAX(version), 0) FROM members), (SELECT COALESCE(MAX(version), 0) FROM "
      "conversations), (SELECT COALESCE(MAX(version), 0) FROM user_events)), "
      "(SELECT COALESCE(MAX(rowid), 0) FROM messages_fts)");
  s.bind();
  if (s.step()) {
    version_ = static_cast<uint64_t>(s.i64(0));
    fts_id_ = static_cast<uint64_t>(s.i64(1));
  }
  s.bind();
  if (from_version < 2) index_existing_messages();
  id_salt_ = random_u64() & 0x3ff;
  for (int i = 0; i < std::max(1, options_.read_connections); ++i) {
    auto db = std::make_unique<Db>(options_.path, Db::Mode::kReadOnly);
    db->exec("PRAGMA query_only = 1");
    idle_readers_.push_back(std::move(db));
  }
  // Checkpoints leave the writer: its commits only append to the WAL, and the checkpointer is told when the
  // WAL has grown past kCheckpointPages.
  checkpoint_db_ = std::make_unique<Db>(options_.path, Db::Mode::kReadWrite);
  // A connection learns that the database is in WAL mode only when it first reads it; until then a checkpoint
  // on it does nothing at all (it reports a log of -1 frames) and the WAL grows without bound.
  checkpoint_db_->exec("PRAGMA journal_mode = WAL");
  sqlite3_wal_hook(
      writer_db_->handle(),
      [](void* self, sqlite3*, const char*, int pages) {
        constexpr int kCheckpointPages = 1000;
        auto* store = static_cast<SqliteStore*>(self);
        store->wal_pages_ = pages;
        if (pages >= kCheckpointPages) {
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
  restart_done_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void SqliteStore::checkpoint_loop() {
  for (;;) {
    bool restart = false;
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait_for(lock, std::chrono::seconds(5),
                              [&] { return checkpoint_wanted_ || restart_wanted_ || checkpoint_stopping_; });
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
      restart = restart_wanted_;
    }
    // PASSIVE: copies what it can without waiting for readers or the writer; a busy database is retried later.
    // RESTART: asked for by the writer while it waits (see restart_wal_if_too_long).
    sqlite3_wal_checkpoint_v2(checkpoint_db_->handle(), nullptr,
                              restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (restart) {
      std::lock_guard lock(checkpoint_mu_);
      restart_wanted_ = false;
      restart_done_cv_.notify_all();
    }
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
  auto& row = db.stmt("SELECT kind, info, member_count FROM conversations WHERE conv_id = ?");
  row.bind(id);
  if (!row.step()) return std::nullopt;
  ConversationState state{static_cast<v1::ConversationKind>(row.i64(0))};
  if (state.kind == v1::GROUP) {
    auto group = std::make_shared<v1::GroupInfo>();
    auto info = row.blob(1);
    group->ParseFromArray(info.data(), static_cast<int>(info.size()));
    group->set_member_count(static_cast<uint32_t>(row.i64(2)));
    state.group = std::move(group);
  }
  row.reset();
  auto& max = db.stmt("SELECT seq, ord FROM messages WHERE conv_id = ? ORDER BY seq DESC LIMIT 1");
  max.bind(id);
  if (max.step()) {
    state.max_seq = static_cast<uint64_t>(max.i64(0));
    state.max_ord = static_cast<uint64_t>(max.i64(1));
  }
  max.reset();
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
    const auto now = options_.now();
    const bool too_old = options_.max_queue_wait.count() > 0 && !queue_.empty() &&
                         now - queue_.front().queued_at > options_.max_queue_wait;
    if (!stopping_ && !too_old && queue_.size() < options_.max_queued_writes) {
      op.queued_at = now;
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
    restart_wal_if_too_long();
  }
}

// SQLite writes the WAL from its start again only when a write begins after a checkpoint has copied all of it.
// The checkpointer's PASSIVE checkpoints run while commits keep coming, so under steady load that moment may
// never come and the WAL would grow for ever. Past kRestartPages the writer, between two batches, finishes the
// job itself: little is left to copy by then, and the next commit starts the WAL over.
void SqliteStore::restart_wal_if_too_long() {
  constexpr int kRestartPages = 4000;  // about 16 MB of WAL
  if (wal_pages_ < kRestartPages) return;
  wal_pages_ = 0;
  // The checkpointer runs it (two checkpoints at once would refuse each other) while the writer waits, so
  // that the RESTART checkpoint gets the write lock at once.
  std::unique_lock lock(checkpoint_mu_);
  restart_wanted_ = true;
  checkpoint_cv_.notify_one();
  restart_done_cv_.wait(lock, [&] { return !restart_wanted_ || checkpoint_stopping_; });
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

}  // namespace parley::store::sqlite
