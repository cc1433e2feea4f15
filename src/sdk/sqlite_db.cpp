#include "sdk/sqlite_db.h"

namespace parley::sdk {

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw StorageError("local database: " + message);
}

std::string Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::string Statement::blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

void Statement::bind_one(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

void Statement::bind_one(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void Statement::bind_one(int i, Blob v) {
  sqlite3_bind_blob(stmt_, i, v.data.data(), static_cast<int>(v.data.size()), SQLITE_STATIC);
}

SqliteDb::SqliteDb(const std::string& path) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open local database " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

void SqliteDb::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw StorageError("local database: " + message);
  }
}

Statement& SqliteDb::stmt(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw StorageError(std::string("local database: ") + sqlite3_errmsg(db_) + " in: " + sql);
  }
  auto& slot = cache_[sql];
  slot = std::make_unique<Statement>(db_, raw);
  return *slot;
}

}  // namespace parley::sdk
