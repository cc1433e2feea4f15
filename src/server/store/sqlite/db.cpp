#include "server/store/sqlite/db.h"

#include <mutex>

namespace parley::store::sqlite {
namespace {

// SQLite keeps global allocation statistics behind a global mutex, taken on every one of its allocations
// (the writer makes dozens per message). Nothing here reads them. Only possible before SQLite initializes,
// which the first open does; later calls fail harmlessly.
void skip_memory_statistics() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = sqlite3_errmsg(sqlite3_db_handle(stmt_));
  sqlite3_reset(stmt_);
  throw SqliteError(rc, message);
}

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}

std::string_view Stmt::blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

void Stmt::bind_one(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

void Stmt::bind_one(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void Stmt::bind_one(int i, Blob v) {
  sqlite3_bind_blob(stmt_, i, v.data.data(), static_cast<int>(v.data.size()), SQLITE_STATIC);
}

Db::Db(const std::string& path, Mode mode) {
  skip_memory_statistics();
  int flags = SQLITE_OPEN_NOMUTEX | (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw SqliteError(rc, "cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() {
  cache_.clear();
  sqlite3_close(db_);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, message);
  }
}

void Db::reset_all() {
  for (auto& [sql, stmt] : cache_) stmt->reset();
}

Stmt& Db::stmt(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, std::string(sqlite3_errmsg(db_)) + " in: " + sql);
  return *cache_.emplace(sql, std::make_unique<Stmt>(raw)).first->second;
}

}  // namespace parley::store::sqlite
