// A small RAII layer over one sqlite3 connection for the SDK's local store: cached prepared statements, typed
// binds and columns. Failures throw StorageError; LocalStore's callers turn it into kErrorStorage.
// Not thread-safe: the client thread owns the connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::sdk {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Blob {
  std::string_view data;
};

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Resets the statement and binds parameters 1..N. Strings are not copied: keep them alive until stepped.
  template <typename... Args>
  Statement& bind(const Args&... args) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    (bind_one(i++, args), ...);
    return *this;
  }

  bool step();  // true: a row is available
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }

  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(stmt_, col)); }
  std::string text(int col) const;
  std::string blob(int col) const;
  void reset() { sqlite3_reset(stmt_); }

 private:
  void bind_one(int i, int64_t v);
  void bind_one(int i, uint64_t v) { bind_one(i, static_cast<int64_t>(v)); }
  void bind_one(int i, int v) { bind_one(i, static_cast<int64_t>(v)); }
  void bind_one(int i, uint32_t v) { bind_one(i, static_cast<int64_t>(v)); }
  void bind_one(int i, bool v) { bind_one(i, static_cast<int64_t>(v ? 1 : 0)); }
  void bind_one(int i, std::string_view v);
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, Blob v);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path);  // opens or creates; throws StorageError
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  void exec(const char* sql);
  // The cached prepared statement for `sql` (keyed by address: pass string literals).
  Statement& stmt(const char* sql);
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed uncommitted (an exception in between).
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (const StorageError&) {
      }
    }
  }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace parley::sdk
