// The embedded Store: one SQLite database in WAL mode. One writer thread commits queued writes in batches
// (group commit: the batch is everything queued while the previous commit was in flight, so batches grow
// with load by themselves); a pool of read-only connections serves reads concurrently; a checkpointer thread
// copies the WAL back into the database (PASSIVE checkpoints, never blocking the writer), and the writer itself
// restarts the WAL when those have not managed to.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "server/store/sqlite/db.h"
#include "server/store/sqlite/rows.h"
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
    // While the oldest queued write has waited longer than this, new writes fail with UNAVAILABLE at once
    // (zero: no limit but max_queued_writes). Under overload this sheds load after a bounded delay instead
    // of letting every write wait behind a queue that holds seconds of work.
    std::chrono::milliseconds max_queue_wait{0};
    // The monotonic clock behind max_queue_wait (tests inject their own).
    std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
    Policy policy;
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
  Result<PullPage> pull(const std::string& conversation_id, uint64_t lo, uint64_t hi, Direction direction,
                        uint32_t limit, const std::string& reader) override;
  Result<v1::ConversationSummary> conversation_summary(const std::string& conversation_id,
                                                       const std::string& user_id) override;
  Result<UnreadTotal> unread_total(const std::string& user_id, int64_t now_ms) override;
  Result<Receipts> read_receipts(const std::string& conversation_id, const std::string& reader, uint64_t seq,
                                 const std::string& after_user_id, uint32_t limit) override;
  Result<v1::ListReactionsResponse> list_reactions(const std::string& conversation_id, const std::string& reader,
                                                   uint64_t seq, const std::string& emoji,
                                                   const std::string& after_user_id, uint32_t limit) override;
  Result<std::vector<std::string>> typing_recipients(const std::string& conversation_id, const std::string& user_id,
                                                     uint32_t max_members) override;
  Result<std::vector<v1::Friend>> list_friends(const std::string& user_id) override;
  Result<v1::ListFriendRequestsResponse> list_friend_requests(const std::string& user_id) override;
  Result<std::vector<v1::User>> list_blocked(const std::string& user_id) override;
  Result<bool> may_see_presence(const std::string& viewer, const std::string& target) override;
  Result<std::vector<v1::User>> search_users(const std::string& prefix, uint32_t limit) override;
  Result<v1::GetGroupResponse> get_group(const std::string& conversation_id, const std::string& user_id) override;
  Result<v1::ListMembersResponse> list_members(const std::string& conversation_id, const std::string& user_id,
                                               const std::string& after_user_id, uint32_t limit) override;
  Result<std::vector<v1::JoinRequest>> list_join_requests(const std::string& conversation_id,
                                                          const std::string& user_id) override;
  Result<std::vector<v1::SearchGroupsResponse::Entry>> search_groups(const std::string& query,
                                                                     uint32_t limit) override;
  Result<SearchPage> search_messages(const SearchQuery& query) override;

  void create_user(UserRecord user, Done<UserRecord> done) override;
  void update_user(std::string user_id, UserUpdate update, Done<UserRecord> done) override;
  void create_session(SessionRecord session, std::vector<std::string> replaced_devices,
                      Done<std::vector<SessionRecord>> done) override;
  void rotate_session(std::string old_refresh_hash, SessionRecord fresh, Done<SessionRecord> done) override;
  void delete_sessions(std::string user_id, std::string device_id,
                       Done<std::vector<SessionRecord>> done) override;
  void touch_session(std::string token_hash, int64_t now_ms) override;
  void append_message(NewMessage message, Done<AppendResult> done) override;
  void create_group(std::string conversation_id, v1::GroupInfo group, std::string creator,
                    std::vector<std::string> members, int64_t now_ms, Done<MembershipChange> done) override;
  void change_members(std::string conversation_id, std::string actor, MemberOp op,
                      std::vector<std::string> users, int64_t now_ms, Done<MembershipChange> done) override;
  void mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) override;
  void mark_delivered(std::string conversation_id, std::string user_id, uint64_t seq,
                      Done<ReadCursor> done) override;
  void delete_for_me(std::string conversation_id, std::string user_id, std::vector<uint64_t> seqs,
                     Done<Notices> done) override;
  void clear_for_me(std::string conversation_id, std::string user_id, uint64_t up_to_seq,
                    Done<Notices> done) override;
  void update_settings(std::string conversation_id, std::string user_id, SettingsUpdate update,
                       Done<SettingsResult> done) override;
  void change_group(GroupOp op, Done<MembershipChange> done) override;
  void change_social(SocialOp op, Done<SocialResult> done) override;
  void flush() override;

  Result<v1::BlobInfo> get_blob(const std::string& blob_id) override;
  Result<bool> may_read_blob(const std::string& blob_id, const std::string& user_id) override;
  Result<uint64_t> blob_bytes_of(const std::string& user_id) override;
  Result<std::vector<std::string>> collectable_blobs(int64_t idle_before_ms, uint32_t limit) override;
  void put_blob(v1::BlobInfo info, std::string uploader, int64_t now_ms, Done<v1::BlobInfo> done) override;
  void delete_blobs(std::vector<std::string> blob_ids, int64_t idle_before_ms,
                    Done<std::vector<std::string>> done) override;

 private:
  // A queued write: `apply` runs inside the batch transaction and either succeeds or fails before it has
  // written anything (it checks first, then writes); a thrown SqliteError aborts the whole batch. `complete`
  // runs after the commit with the write's own result, or the commit's error.
  struct WriteOp {
    std::function<Status(Db&)> apply;
    std::function<void(const Status&)> complete;
    std::chrono::steady_clock::time_point queued_at{};  // set by enqueue()
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
    explicit ConversationState(v1::ConversationKind k) : kind(k) {}
    v1::ConversationKind kind;
    uint64_t max_seq = 0;
    uint64_t max_ord = 0;  // messages.ord of the newest message
    std::shared_ptr<const v1::GroupInfo> group;  // groups only, member_count included
  };
  std::optional<ConversationState> conversation(Db& db, const std::string& conversation_id);
  void stage_conversation(const std::string& conversation_id, ConversationState state);

  // messages.cpp
  Result<AppendResult> apply_append(Db& db, NewMessage m);
  Status prepare_content(Db& db, const MemberRecord& sender, v1::ConversationKind kind, v1::Message& content);
  Result<v1::Message> load_readable(Db& db, const std::string& conv, uint64_t seq, const std::string& user);
  Result<AppendResult> apply_operation(Db& db, NewMessage& in, const ConversationState& conv,
                                       const MemberRecord& actor);
  // Appends `m` (content fields only, plus sender_id and timestamp_ms) with the conversation's next seq:
  // assigns seq and ids, indexes it for search, stamps the conversation's version and stages its new state.
  void insert_message(Db& db, const std::string& conv, v1::Message& m);
  Result<ReadCursor> apply_cursor(Db& db, const std::string& conv, const std::string& user, uint64_t seq, bool read);
  uint64_t append_user_event(Db& db, const std::string& user_id, const v1::Event& event);

  // groups.cpp
  Result<MembershipChange> apply_member_change(Db& db, const std::string& conv, const std::string& actor,
                                               MemberOp op, std::vector<std::string> users, int64_t now_ms);
  Result<MembershipChange> apply_group_op(Db& db, const GroupOp& op);
  Result<MembershipChange> apply_join(Db& db, const GroupOp& op, const ConversationState& state);
  // Records a group change as a SYSTEM message (next seq); returns it with the active members as recipients.
  MembershipChange record_group_event(Db& db, const std::string& conv, const std::string& actor,
                                      v1::SystemEvent event, int64_t now_ms);
  // Saves the group's shared settings and member count, and stages them in the conversation cache.
  void save_group(Db& db, const std::string& conv, v1::GroupInfo group);
  // Adds (or re-activates) members from `seq` on (from 1 when the group shows history to new members).
  void add_member_rows(Db& db, const std::string& conv, const std::vector<std::string>& users, uint64_t seq,
                       const v1::GroupInfo& group);

  // search.cpp: indexes messages stored before the search index existed (schema 1).
  void index_existing_messages();

  // media.cpp: a new media message must name a blob its sender may read; its metadata comes from the blob.
  Status attach_media(Db& db, const std::string& sender, v1::Message& content);
  void record_blob_refs(Db& db, const std::string& conv, const v1::Message& m);
  void drop_blob_refs(Db& db, const std::string& conv, uint64_t seq, int64_t now_ms);

  // social.cpp
  Result<SocialResult> apply_social(Db& db, const SocialOp& op);

  Options options_;
  std::unique_ptr<Db> writer_db_;
  // Writer thread only:
  uint64_t version_ = 0;  // last version handed out (members, conversations, user_events)
  uint64_t fts_id_ = 0;   // last messages_fts rowid handed out
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
  void restart_wal_if_too_long();
  std::unique_ptr<Db> checkpoint_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool restart_wanted_ = false;
  std::condition_variable restart_done_cv_;
  int wal_pages_ = 0;  // the WAL's length after the last commit (writer thread only)
  bool checkpoint_stopping_ = false;
  std::thread checkpointer_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

// Store operations are written as lambdas run by these two: write() queues one to the writer, read() runs
// one on a pooled read connection. Both turn a thrown SqliteError into an UNAVAILABLE result.
template <typename T>
inline void SqliteStore::write(Done<T> done, std::function<Result<T>(Db&)> fn) {
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
inline auto SqliteStore::read(F&& fn) -> decltype(fn(std::declval<Db&>())) {
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
      // A read transaction left open would make the connection's next BEGIN fail: end it whatever happens.
      if (!sqlite3_get_autocommit(db->handle())) {
        try {
          db->exec("COMMIT");
        } catch (const SqliteError&) {
          try {
            db->exec("ROLLBACK");
          } catch (const SqliteError&) {
          }
        }
      }
      std::lock_guard lock(store->readers_mu_);
      store->idle_readers_.push_back(std::move(db));
      store->readers_cv_.notify_one();
    }
  } lease{this, db};
  try {
    // One read transaction per read: every statement of it sees the same snapshot (sync reads
    // conversations and user events in two statements, and a commit between them must not be half seen).
    db->exec("BEGIN");
    return fn(*db);
  } catch (const SqliteError& e) {
    return store_failure(e);
  }
}

}  // namespace parley::store::sqlite
