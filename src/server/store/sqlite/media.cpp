// Media blob records: uploads, references from messages, quota use, and what garbage collection may take.
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

bool is_media_kind(v1::MessageKind kind) {
  return kind == v1::IMAGE || kind == v1::AUDIO || kind == v1::VIDEO || kind == v1::FILE;
}

std::optional<v1::BlobInfo> load_blob(Db& db, const std::string& blob_id) {
  auto& s = db.stmt("SELECT info FROM blobs WHERE blob_id = ?");
  s.bind(blob_id);
  std::optional<v1::BlobInfo> out;
  if (s.step()) {
    v1::BlobInfo info;
    auto bytes = s.blob(0);
    if (info.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) out = std::move(info);
  }
  s.reset();
  return out;
}

bool may_read(Db& db, const std::string& blob_id, const std::string& user_id) {
  auto& s = db.stmt(
      "SELECT 1 FROM blob_uploads WHERE blob_id = ?1 AND user_id = ?2 "
      "UNION ALL "
      "SELECT 1 FROM blob_refs r JOIN members m ON m.conv_id = r.conv_id AND m.user_id = ?2 "
      "WHERE r.blob_id = ?1 AND r.seq >= m.min_seq AND (m.active = 1 OR r.seq <= m.last_seq) LIMIT 1");
  s.bind(blob_id, user_id);
  bool ok = s.step();
  s.reset();
  return ok;
}

bool is_collectable(Db& db, const std::string& blob_id, int64_t idle_before_ms) {
  auto& s = db.stmt(
      "SELECT 1 FROM blobs b WHERE b.blob_id = ?1 AND b.touched_at <= ?2 "
      "AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.blob_id = b.blob_id)");
  s.bind(blob_id, idle_before_ms);
  bool ok = s.step();
  s.reset();
  return ok;
}

bool kind_matches(v1::MessageKind kind, const std::string& mime) {
  switch (kind) {
    case v1::IMAGE: return mime.starts_with("image/");
    case v1::AUDIO: return mime.starts_with("audio/");
    case v1::VIDEO: return mime.starts_with("video/");
    default: return true;
  }
}

}  // namespace

Status SqliteStore::attach_media(Db& db, const std::string& sender, v1::Message& content) {
  if (!is_media_kind(content.kind())) return {};
  v1::Media& media = *content.mutable_media();
  auto info = load_blob(db, media.blob_id());
  // An unknown blob and one the sender may not read look the same, so ids cannot be probed.
  if (!info || !may_read(db, media.blob_id(), sender)) {
    return fail(v1::NOT_FOUND, "media.blob_id is not a blob you uploaded or can see: upload it first");
  }
  if (!kind_matches(content.kind(), info->mime_type())) {
    return fail(v1::INVALID_ARGUMENT, "the blob is " + info->mime_type() + ", which does not fit a " +
                                          v1::MessageKind_Name(content.kind()) + " message");
  }
  // The server's facts replace the client's claims; the file name stays the sender's (already checked).
  media.set_mime_type(info->mime_type());
  media.set_size_bytes(info->size_bytes());
  media.set_width(info->width());
  media.set_height(info->height());
  media.set_duration_ms(info->duration_ms());
  media.set_thumbnail_blob_id(info->thumbnails_size() > 0 ? info->thumbnails(0).blob_id() : "");
  return {};
}

void SqliteStore::record_blob_refs(Db& db, const std::string& conv, const v1::Message& m) {
  auto add = [&](const v1::Message& entry) {
    if (!is_media_kind(entry.kind()) || entry.media().blob_id().empty()) return;
    db.stmt("INSERT OR IGNORE INTO blob_refs (blob_id, conv_id, seq) "
            "SELECT blob_id, ?2, ?3 FROM blobs WHERE blob_id = ?1")
        .bind(entry.media().blob_id(), conv, m.seq())
        .exec();
  };
  add(m);
  for (const auto& entry : m.merged()) add(entry);
}

void SqliteStore::drop_blob_refs(Db& db, const std::string& conv, uint64_t seq, int64_t now_ms) {
  db.stmt("UPDATE blobs SET touched_at = MAX(touched_at, ?3) "
          "WHERE blob_id IN (SELECT blob_id FROM blob_refs WHERE conv_id = ?1 AND seq = ?2)")
      .bind(conv, seq, now_ms)
      .exec();
  db.stmt("DELETE FROM blob_refs WHERE conv_id = ? AND seq = ?").bind(conv, seq).exec();
}

Result<v1::BlobInfo> SqliteStore::get_blob(const std::string& blob_id) {
  return read([&](Db& db) -> Result<v1::BlobInfo> {
    auto info = load_blob(db, blob_id);
    if (!info) return fail(v1::NOT_FOUND, "no such blob");
    return *info;
  });
}

Result<bool> SqliteStore::may_read_blob(const std::string& blob_id, const std::string& user_id) {
  return read([&](Db& db) -> Result<bool> { return may_read(db, blob_id, user_id); });
}

Result<uint64_t> SqliteStore::blob_bytes_of(const std::string& user_id) {
  return read([&](Db& db) -> Result<uint64_t> {
    auto& s = db.stmt("SELECT COALESCE(SUM(b.size), 0) FROM blob_uploads u JOIN blobs b ON b.blob_id = u.blob_id "
                      "WHERE u.user_id = ?");
    s.bind(user_id);
    uint64_t total = s.step() ? static_cast<uint64_t>(s.i64(0)) : 0;
    s.reset();
    return total;
  });
}

Result<std::vector<std::string>> SqliteStore::collectable_blobs(int64_t idle_before_ms, uint32_t limit) {
  return read([&](Db& db) -> Result<std::vector<std::string>> {
    auto& s = db.stmt(
        "SELECT b.blob_id FROM blobs b WHERE b.touched_at <= ?1 "
        "AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.blob_id = b.blob_id) LIMIT ?2");
    s.bind(idle_before_ms, limit);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    s.reset();
    return out;
  });
}

void SqliteStore::put_blob(v1::BlobInfo info, std::string uploader, int64_t now_ms, Done<v1::BlobInfo> done) {
  write<v1::BlobInfo>(std::move(done), [info = std::move(info), uploader = std::move(uploader),
                                        now_ms](Db& db) -> Result<v1::BlobInfo> {
    if (auto existing = load_blob(db, info.blob_id())) {
      db.stmt("UPDATE blobs SET touched_at = MAX(touched_at, ?2) WHERE blob_id = ?1").bind(info.blob_id(), now_ms).exec();
      db.stmt("INSERT INTO blob_uploads (blob_id, user_id, uploaded_at) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (blob_id, user_id) DO UPDATE SET uploaded_at = ?3")
          .bind(info.blob_id(), uploader, now_ms)
          .exec();
      return *existing;
    }
    v1::BlobInfo stored = info;
    stored.set_created_at_ms(now_ms);
    std::string bytes = stored.SerializeAsString();
    db.stmt("INSERT INTO blobs (blob_id, size, mime_type, info, created_at, touched_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(stored.blob_id(), stored.size_bytes(), stored.mime_type(), Blob{bytes}, now_ms, now_ms)
        .exec();
    db.stmt("INSERT INTO blob_uploads (blob_id, user_id, uploaded_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (blob_id, user_id) DO UPDATE SET uploaded_at = ?3")
        .bind(stored.blob_id(), uploader, now_ms)
        .exec();
    return stored;
  });
}

void SqliteStore::delete_blobs(std::vector<std::string> blob_ids, int64_t idle_before_ms,
                               Done<std::vector<std::string>> done) {
  write<std::vector<std::string>>(std::move(done), [blob_ids = std::move(blob_ids),
                                                    idle_before_ms](Db& db) -> Result<std::vector<std::string>> {
    std::vector<std::string> deleted;
    for (const auto& id : blob_ids) {
      if (!is_collectable(db, id, idle_before_ms)) continue;
      db.stmt("DELETE FROM blob_uploads WHERE blob_id = ?").bind(id).exec();
      db.stmt("DELETE FROM blobs WHERE blob_id = ?").bind(id).exec();
      deleted.push_back(id);
    }
    return deleted;
  });
}

}  // namespace parley::store::sqlite
