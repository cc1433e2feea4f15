// The embedded Store: one SQLite database in WAL mode. One writer thread commits queued writes in batches
// (group commit: the batch is everything queued while the previous commit was in flight, so batches grow
// with load by themselves); a pool of read-only connections serves reads concurrently; a checkpointer thread
// copies the WAL back into the database (PASSIVE checkpoints, never blocking the writer).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/store/sqlite/db.h"
#include "server/store/store.h"

namespace parley::store::sqlite {

class SqliteStore final : public Store {
 public:
  enum class Durability { kFull, kNormal };  // PRAGMA synchronous: FULL survives power loss, NORMAL a crash

  struct Options {
    std::string path;                  // the database file; created with its schema when missing
    Durability durability = Durability::kFull;
    int read_connections = 4;
    size_t max_batch = 1024;           // writes per transaction at most
    size_t max_queued_writes = 65536;  // beyond this, writes fail with UNAVAILABLE at once
    // Called on the writer thread after each commit: batch size, seconds spent (metrics).
    std::function<void(size_t, double)> on_commit;
  };

  // Opens (creating and migrating as needed) and starts the writer. Fails with a readable message.
  static Result<std::unique_ptr<SqliteStore>> open(Options options);
  ~SqliteStore() override;  // completes queued writes, then stops the writer

  Result<UserRecord> get_user(const std::string& user_id) override;
  Result<SessionRecord> get_session(const std::string& token_hash) override;
  Result<SessionRecord> get_session_by_refresh(const std::string& refresh_hash) override;
  Result<std::vector<SessionRecord>> list_sessions(const std::string& user_id) override;
  Result<MemberRecord> get_member(const std::string& conversation_id, const std::string& user_id) override;
  Result<SyncPage> sync(const std::string& user_id, uint64_t cursor, uint32_t limit) override;
  Result<PullPage> pull(const std::string& conversation_id, uint64_t lo, uint64_t hi,
                                        Direction direction, uint32_t limit) override;

  void create_user(UserRecord user, Done<UserRecord> done) override;
  void update_user(std::string user_id, UserUpdate update, Done<UserRecord> done) override;
  void create_session(SessionRecord session, std::vector<std::string> replaced_devices,
                      Done<std::vector<SessionRecord>> done) override;
  void rotate_session(std::string old_refresh_hash, SessionRecord fresh, Done<SessionRecord> done) override;
  void delete_sessions(std::string user_id, std::string device_id,
                       Done<std::vector<SessionRecord>> done) override;
  void touch_session(std::string token_hash, int64_t now_ms) override;
  void append_message(NewMessage message, Done<AppendResult> done) override;
  void create_group(std::string conversation_id, std::string name, std::string creator,
                    std::vector<std::string> members, int64_t now_ms, uint32_t max_members,
                    Done<MembershipChange> done) override;
  void change_members(std::string conversation_id, std::string actor, MemberOp op,
                      std::vector<std::string> users, int64_t now_ms, uint32_t max_members,
                      Done<MembershipChange> done) override;
  void mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) override;
  void flush() override;

 private:
  // A queued write: `apply` runs inside the batch transaction and either succeeds or fails before it has
  // written anything (it checks first, then writes); a thrown SqliteError aborts the whole batch. `complete`
  // runs after the commit with the write's own result, or the commit's error.
  struct WriteOp {
    std::function<Status(Db&)> apply;
    std::function<void(const Status&)> complete;
  };

  explicit SqliteStore(Options options);
  void start();
  void writer_loop();
  Status run_batch(std::vector<WriteOp>& batch, std::vector<Status>& results);
  void enqueue(WriteOp op);

  template <typename T>
  void write(Done<T> done, std::function<Result<T>(Db&)> fn);
  template <typename F>
  auto read(F&& fn) -> decltype(fn(std::declval<Db&>()));

  // Writer-thread helpers (run inside a transaction).
  uint64_t next_version() { return ++version_; }
  std::string next_message_id(int64_t now_ms);

  // What the writer knows of a conversation. max_seq is not stored as a column (it is the newest message's
  // seq); the writer caches it because, as the only writer, its cache cannot go stale. A write's changes to
  // the cache are staged, kept when the write succeeds and dropped when it rolls back; a failed commit
  // empties the cache.
  struct ConversationState {
    v1::ConversationKind kind;
    std::string name;
    uint64_t max_seq;
  };
  std::optional<ConversationState> conversation(Db& db, const std::string& conversation_id);
  void stage_conversation(const std::string& conversation_id, ConversationState state);
  Result<AppendResult> apply_append(Db& db, const NewMessage& m);
  Result<MembershipChange> apply_member_change(Db& db, const std::string& conv, const std::string& actor,
                                               MemberOp op, std::vector<std::string> users, int64_t now_ms,
                                               uint32_t max_members);
  v1::Message insert_system_message(Db& db, const std::string& conv, uint64_t seq, const std::string& actor,
                                    v1::SystemEvent event, int64_t now_ms);

  Options options_;
  std::unique_ptr<Db> writer_db_;
  // Writer thread only:
  uint64_t version_ = 0;  // last members.version handed out
  std::unordered_map<std::string, ConversationState> conversations_;
  std::vector<std::pair<std::string, ConversationState>> staged_;
  uint64_t id_salt_ = 0;  // random bits that keep message ids apart across restarts
  uint64_t id_ms_ = 0, id_counter_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteOp> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // WAL checkpoints run on their own thread and connection, not inside the writer's commits.
  void checkpoint_loop();
  std::unique_ptr<Db> checkpoint_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stopping_ = false;
  std::thread checkpointer_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

}  // namespace parley::store::sqlite
