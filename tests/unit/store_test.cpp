#include "server/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <future>
#include <iostream>
#include <set>
#include <thread>

#include "server/store/sqlite/migrations.h"

namespace parley::store::sqlite {
namespace {

// Runs an asynchronous store write and waits for its result.
template <typename T, typename F>
Result<T> wait_for(F&& start) {
  std::promise<Result<T>> p;
  start([&](Result<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("parley-store-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open();
    for (auto u : {"alice", "bob", "carol", "dave", "erin"}) add_user(u);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    SqliteStore::Options o;
    o.path = (dir_ / "parley.db").string();
    o.durability = SqliteStore::Durability::kNormal;
    o.policy.max_group_members = 3;
    auto s = SqliteStore::open(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void add_user(const std::string& id) {
    auto r = wait_for<UserRecord>([&](auto done) { store_->create_user(UserRecord{id, id, "", false, 1, {}}, done); });
    ASSERT_TRUE(r) << r.error().message;
  }
  Result<AppendResult> send(const std::string& conv, const std::string& from, const std::string& cmid,
                            const std::string& text = "hi") {
    NewMessage m;
    m.conversation_id = conv;
    m.sender_id = from;
    m.client_msg_id = cmid;
    m.content.set_kind(v1::TEXT);
    m.content.set_text(text);
    m.timestamp_ms = 1000;
    return wait_for<AppendResult>([&](auto done) { store_->append_message(m, done); });
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreTest, DirectConversationIsCreatedOnFirstSendWithContiguousSeqs) {
  for (uint64_t i = 1; i <= 5; ++i) {
    auto r = send("d:alice:bob", i % 2 ? "alice" : "bob", "m" + std::to_string(i));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->message.seq(), i);
    EXPECT_FALSE(r->duplicate);
    EXPECT_EQ(std::set<std::string>(r->recipients.begin(), r->recipients.end()),
              (std::set<std::string>{"alice", "bob"}));
  }
  auto page = store_->pull("d:alice:bob", 1, 100, Direction::kAfter, 100, "alice");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->messages.size(), 5u);
  EXPECT_EQ(page->messages[4].text(), "hi");
  EXPECT_EQ(page->messages[4].sender_id(), "alice");
}

TEST_F(StoreTest, ResendWithSameClientIdReturnsTheOriginal) {
  auto first = send("d:alice:bob", "alice", "same");
  auto again = send("d:alice:bob", "alice", "same", "different text");
  ASSERT_TRUE(first && again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.seq(), first->message.seq());
  EXPECT_EQ(again->message.server_msg_id(), first->message.server_msg_id());
  EXPECT_EQ(again->message.text(), "hi");
  auto elsewhere = send("d:alice:carol", "alice", "same");
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, v1::CONFLICT);
  auto next = send("d:alice:bob", "alice", "other");
  EXPECT_EQ(next->message.seq(), 2u);  // the duplicate consumed no seq
}

TEST_F(StoreTest, OutsidersCannotPostAndUnknownPeersAreNotFound) {
  auto outsider = send("d:alice:bob", "carol", "x");
  ASSERT_FALSE(outsider);
  EXPECT_EQ(outsider.error().code, v1::PERMISSION_DENIED);
  auto ghost = send("d:alice:zed", "alice", "y");
  ASSERT_FALSE(ghost);
  EXPECT_EQ(ghost.error().code, v1::NOT_FOUND);
  auto no_group = send("g:nothing", "alice", "z");
  ASSERT_FALSE(no_group);
  EXPECT_EQ(no_group.error().code, v1::NOT_FOUND);
}

TEST_F(StoreTest, ConcurrentSendersGetGaplessSeqs) {
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        NewMessage m;
        m.conversation_id = "d:alice:bob";
        m.sender_id = t % 2 ? "alice" : "bob";
        m.client_msg_id = "t" + std::to_string(t) + "-" + std::to_string(i);
        m.content.set_text("x");
        store_->append_message(m, [&](Result<AppendResult> r) {
          ASSERT_TRUE(r);
          std::lock_guard lock(mu);
          seqs.insert(r->message.seq());
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  store_->flush();
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), static_cast<uint64_t>(kThreads * kEach));
}

TEST_F(StoreTest, SyncReturnsOnlyWhatChangedSinceTheCursor) {
  ASSERT_TRUE(send("d:alice:bob", "bob", "1"));
  ASSERT_TRUE(send("d:alice:carol", "carol", "2"));
  ASSERT_TRUE(send("d:alice:dave", "dave", "3"));
  auto all = store_->sync("alice", 0, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->conversations.size(), 3u);
  EXPECT_FALSE(all->has_more);
  EXPECT_EQ(all->conversations[0].unread_count(), 1u);
  EXPECT_EQ(all->conversations[0].last_message().text(), "hi");

  ASSERT_TRUE(send("d:alice:carol", "carol", "4", "new"));
  auto delta = store_->sync("alice", all->cursor, 100);
  ASSERT_TRUE(delta);
  ASSERT_EQ(delta->conversations.size(), 1u);
  EXPECT_EQ(delta->conversations[0].conversation_id(), "d:alice:carol");
  EXPECT_EQ(delta->conversations[0].max_seq(), 2u);
  EXPECT_EQ(delta->conversations[0].unread_count(), 2u);
  EXPECT_EQ(delta->conversations[0].last_message().text(), "new");

  auto read = wait_for<ReadCursor>([&](auto done) { store_->mark_read("d:alice:carol", "alice", 99, done); });
  ASSERT_TRUE(read);
  EXPECT_EQ(read->read_seq, 2u);  // clamped to the newest seq
  EXPECT_TRUE(read->moved);
  auto after_read = store_->sync("alice", delta->cursor, 100);
  ASSERT_EQ(after_read->conversations.size(), 1u);
  EXPECT_EQ(after_read->conversations[0].unread_count(), 0u);
  EXPECT_TRUE(store_->sync("alice", after_read->cursor, 100)->conversations.empty());
}

TEST_F(StoreTest, MarkReadReportsWhetherTheCursorMoved) {
  for (auto id : {"1", "2", "3"}) ASSERT_TRUE(send("d:alice:bob", "bob", id));
  auto mark = [&](uint64_t seq) {
    return wait_for<ReadCursor>([&](auto done) { store_->mark_read("d:alice:bob", "alice", seq, done); });
  };
  auto forward = mark(2);
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward->read_seq, 2u);
  EXPECT_TRUE(forward->moved);
  for (uint64_t stale : {0u, 1u, 2u}) {  // nothing, lower, the same: the cursor stays and says so
    auto r = mark(stale);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->read_seq, 2u) << stale;
    EXPECT_FALSE(r->moved) << stale;
  }
  auto to_end = mark(99);
  ASSERT_TRUE(to_end);
  EXPECT_EQ(to_end->read_seq, 3u);
  EXPECT_TRUE(to_end->moved);
  auto past_end = mark(99);  // clamped to 3 again: no move
  ASSERT_TRUE(past_end);
  EXPECT_FALSE(past_end->moved);
  EXPECT_FALSE(wait_for<ReadCursor>([&](auto done) { store_->mark_read("d:bob:carol", "alice", 1, done); }));
}

TEST_F(StoreTest, SyncPagesWithHasMore) {
  for (auto peer : {"bob", "carol", "dave"}) ASSERT_TRUE(send(std::string("d:alice:") + peer, peer, peer));
  auto first = store_->sync("alice", 0, 2);
  ASSERT_EQ(first->conversations.size(), 2u);
  EXPECT_TRUE(first->has_more);
  auto second = store_->sync("alice", first->cursor, 2);
  ASSERT_EQ(second->conversations.size(), 1u);
  EXPECT_FALSE(second->has_more);
}

// Sync reads one user's memberships through the (user_id, version) index and joins each conversation by key:
// its cost follows the user's conversations, not the store's.
TEST_F(StoreTest, SyncUsesTheUserVersionIndex) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ / "parley.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* plan = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "EXPLAIN QUERY PLAN SELECT m.conv_id, MAX(m.version, CASE WHEN m.active = 1 "
                               "THEN c.version ELSE 0 END) AS v FROM members m JOIN conversations c "
                               "ON c.conv_id = m.conv_id WHERE m.user_id = ? AND v > ? ORDER BY v LIMIT ?",
                               -1, &plan, nullptr),
            SQLITE_OK);
  std::string detail;
  while (sqlite3_step(plan) == SQLITE_ROW) detail += reinterpret_cast<const char*>(sqlite3_column_text(plan, 3));
  sqlite3_finalize(plan);
  sqlite3_close(db);
  EXPECT_NE(detail.find("members_by_user_version"), std::string::npos) << detail;
  EXPECT_NE(detail.find("SEARCH c USING PRIMARY KEY"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("SCAN c"), std::string::npos) << detail;
}

TEST_F(StoreTest, GroupMembershipControlsVisibility) {
  auto created = wait_for<MembershipChange>(
      [&](auto done) {
        v1::GroupInfo group;
        group.set_name("Team");
        store_->create_group("g:team", group, "alice", {"bob"}, 5, done);
      });
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->system_message.seq(), 1u);
  ASSERT_TRUE(send("g:team", "bob", "b1"));  // seq 2
  auto added = wait_for<MembershipChange>([&](auto done) {
    store_->change_members("g:team", "alice", Store::MemberOp::kAdd, {"carol"}, 6, done);
  });
  ASSERT_TRUE(added);
  EXPECT_EQ(added->system_message.seq(), 3u);
  auto carol = store_->get_member("g:team", "carol");
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->min_seq, 3u);  // new members see history from their arrival

  auto removed = wait_for<MembershipChange>([&](auto done) {
    store_->change_members("g:team", "alice", Store::MemberOp::kRemove, {"bob"}, 7, done);
  });
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->removed, std::vector<std::string>{"bob"});
  auto bob_sends = send("g:team", "bob", "b2");
  ASSERT_FALSE(bob_sends);
  EXPECT_EQ(bob_sends.error().code, v1::PERMISSION_DENIED);
  ASSERT_TRUE(send("g:team", "alice", "a1"));  // seq 5: bob no longer sees it
  auto bob_view = store_->sync("bob", 0, 10);
  ASSERT_EQ(bob_view->conversations.size(), 1u);
  EXPECT_FALSE(bob_view->conversations[0].active());
  EXPECT_EQ(bob_view->conversations[0].max_seq(), 4u);

  auto plain_adds = wait_for<MembershipChange>([&](auto done) {
    store_->change_members("g:team", "carol", Store::MemberOp::kAdd, {"dave"}, 8, done);
  });
  ASSERT_FALSE(plain_adds);
  EXPECT_EQ(plain_adds.error().code, v1::PERMISSION_DENIED);
  auto too_many = wait_for<MembershipChange>([&](auto done) {
    store_->change_members("g:team", "alice", Store::MemberOp::kAdd, {"dave", "erin"}, 8, done);  // 4 > 3
  });
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, v1::TOO_LARGE);
}

TEST_F(StoreTest, DataSurvivesReopen) {
  ASSERT_TRUE(send("d:alice:bob", "alice", "persist"));
  store_.reset();
  open();
  auto next = send("d:alice:bob", "bob", "after");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->message.seq(), 2u);
  auto dup = send("d:alice:bob", "alice", "persist");
  EXPECT_TRUE(dup->duplicate);
  // The sync cursor keeps growing across restarts.
  auto synced = store_->sync("alice", 0, 10);
  EXPECT_GE(synced->cursor, 2u);
}

// Disk use stays bounded under a steady stream of commits: the checkpointer copies the WAL into the database
// file, so the WAL is reused from its start instead of growing for ever.
TEST_F(StoreTest, TheWalIsCheckpointedIntoTheDatabaseAndStaysBounded) {
  const auto db_file = dir_ / "parley.db";
  const auto wal_file = dir_ / "parley.db-wal";
  const auto initial = std::filesystem::file_size(db_file);
  uintmax_t largest_wal = 0;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(send("d:alice:bob", i % 2 ? "alice" : "bob", "m" + std::to_string(i), std::string(200, 'x')));
    largest_wal = std::max(largest_wal, std::filesystem::file_size(wal_file));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::file_size(db_file) <= initial && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(std::filesystem::file_size(db_file), initial) << "nothing was ever checkpointed";
  std::cout << "3000 commits: database " << std::filesystem::file_size(db_file) << " bytes, largest WAL "
            << largest_wal << " bytes\n";
  EXPECT_LT(largest_wal, 24u << 20) << "the WAL grew without bound";
}

TEST_F(StoreTest, SessionsAreReplacedPerDevice) {
  SessionRecord s{"t1", "r1", "alice", "phone", v1::IOS, 1, 100, 200, 1};
  auto first = wait_for<std::vector<SessionRecord>>([&](auto done) { store_->create_session(s, {}, done); });
  ASSERT_TRUE(first && first->empty());
  SessionRecord again{"t2", "r2", "alice", "phone", v1::IOS, 2, 100, 200, 2};
  auto second = wait_for<std::vector<SessionRecord>>([&](auto done) { store_->create_session(again, {}, done); });
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].token_hash, "t1");
  EXPECT_FALSE(store_->get_session("t1"));
  EXPECT_TRUE(store_->get_session("t2"));
  SessionRecord rotated{"t3", "r3", "alice", "phone", v1::IOS, 3, 100, 200, 3};
  auto r = wait_for<SessionRecord>([&](auto done) { store_->rotate_session("r2", rotated, done); });
  ASSERT_TRUE(r);
  EXPECT_FALSE(store_->get_session("t2"));
  auto reuse = wait_for<SessionRecord>([&](auto done) { store_->rotate_session("r2", rotated, done); });
  EXPECT_FALSE(reuse);
}

TEST(Migrations, NewDatabaseIsAtTheLatestVersion) {
  auto path = std::filesystem::temp_directory_path() / ("parley-mig-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    Db db(path.string(), Db::Mode::kReadWrite);
    migrate(db);
    migrate(db);  // idempotent
    auto& s = db.stmt("PRAGMA user_version");
    s.bind();
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), latest_schema_version());
    s.bind();
    db.exec("PRAGMA user_version = 999");
    EXPECT_THROW(migrate(db), SqliteError);  // written by a newer parleyd
  }
  std::filesystem::remove(path);
}

// Overload: a write is refused with UNAVAILABLE at once when the oldest queued write has waited longer than
// max_queue_wait, instead of joining a queue that holds seconds of work (max_queued_writes is 65536). The
// writer is held inside a commit (on_commit blocks) and the store's clock is the test's, so nothing depends
// on timing.
TEST_F(StoreTest, WritesAreRefusedWhileTheOldestQueuedWriteHasWaitedTooLong) {
  store_.reset();
  std::mutex mu;
  std::condition_variable cv;
  bool hold = true, held = false;
  std::atomic<int64_t> now_ms{0};
  SqliteStore::Options o;
  o.path = (dir_ / "parley.db").string();
  o.durability = SqliteStore::Durability::kNormal;
  o.max_queue_wait = std::chrono::milliseconds(100);
  o.now = [&] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms.load())); };
  o.on_commit = [&](size_t, double) {
    std::unique_lock lock(mu);
    held = true;
    cv.notify_all();
    cv.wait(lock, [&] { return !hold; });
  };
  auto opened = SqliteStore::open(o);
  ASSERT_TRUE(opened) << opened.error().message;
  std::unique_ptr<SqliteStore> store = std::move(*opened);

  auto create = [&](const std::string& id) {
    auto result = std::make_shared<std::promise<Result<UserRecord>>>();
    store->create_user(UserRecord{id, id, "", false, 1, {}}, [result](Result<UserRecord> r) { result->set_value(r); });
    return result->get_future();
  };
  auto first = create("u0");  // the writer takes it and stops in on_commit
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return held; });
  }
  auto queued = create("u1");  // queued at t = 0
  now_ms = 50;
  auto young = create("u2");  // the oldest has waited 50 ms: accepted
  now_ms = 150;
  auto refused = create("u3");  // the oldest has waited 150 ms: refused at once
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  auto r = refused.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, v1::UNAVAILABLE);

  {
    std::lock_guard lock(mu);
    hold = false;
  }
  cv.notify_all();
  EXPECT_TRUE(first.get());
  EXPECT_TRUE(queued.get());
  EXPECT_TRUE(young.get());
  EXPECT_TRUE(create("u4").get());  // the queue has drained: writes are accepted again
}

}  // namespace
}  // namespace parley::store::sqlite
