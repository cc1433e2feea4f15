// Numbered schema migrations. The database's `PRAGMA user_version` records how many have been applied;
// opening a database applies the rest, each in its own transaction. Never edit a released migration: add one.
#pragma once

#include "server/store/sqlite/db.h"

namespace parley::store::sqlite {

// Applies every migration newer than the database. Throws SqliteError on failure, or when the database
// was written by a newer Parley (a higher user_version than this binary knows). Returns the version the
// database had before.
int migrate(Db& db);

int latest_schema_version();

}  // namespace parley::store::sqlite
