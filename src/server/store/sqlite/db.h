// A thin RAII layer over one sqlite3 connection: cached prepared statements and typed binds/columns.
// SQLite failures throw SqliteError; the store catches it at each operation's boundary and turns it into
// an UNAVAILABLE error value (it never crosses the Store interface). Not thread-safe: one thread per Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::store::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Wraps a blob for binding (as opposed to text).
struct Blob {
  std::string_view data;
};

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  // Binds parameters 1..N in order, resetting the statement first. Strings and blobs are not copied: they
  // must stay alive until the statement has been stepped (bind and step in the same scope).
  template <typename... Args>
  Stmt& bind(const Args&... args) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    (bind_one(i++, args), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void exec() {
    while (step()) {
    }
  }

  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const;
  std::string_view blob(int col) const;
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

  sqlite3_stmt* stmt_;
};

class Db {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  Db(const std::string& path, Mode mode);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more SQL statements without results (pragmas, DDL, BEGIN/COMMIT).
  void exec(const char* sql);
  // The cached prepared statement for `sql` (keyed by its address: pass string literals).
  Stmt& stmt(const char* sql);

  // Resets every cached statement. A statement left mid-result keeps its read snapshot open, so this runs
  // after each read and before each commit.
  void reset_all();

  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
};

}  // namespace parley::store::sqlite
