#include "server/media/upload_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "server/media/http_fields.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

// Sidecar: one "key value" line per field, values percent-encoded.
std::string encode_meta(const UploadMeta& m) {
  std::ostringstream out;
  out << "id " << url_encode(m.id) << "\nuser " << url_encode(m.user_id) << "\nlength " << m.length << "\nname "
      << url_encode(m.file_name) << "\ntype " << url_encode(m.claimed_type) << "\ncreated " << m.created_ms
      << "\nexpires " << m.expires_ms << "\n";
  return out.str();
}

std::optional<UploadMeta> decode_meta(std::istream& in) {
  UploadMeta m;
  std::string key, value;
  int fields = 0;
  while (in >> key) {
    std::getline(in, value);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    auto text = url_decode(value);
    auto number = parse_u64(value);
    if (!text) return std::nullopt;
    if (key == "id") m.id = *text;
    else if (key == "user") m.user_id = *text;
    else if (key == "name") m.file_name = *text;
    else if (key == "type") m.claimed_type = *text;
    else if (key == "length" && number) m.length = *number;
    else if (key == "created" && number) m.created_ms = static_cast<int64_t>(*number);
    else if (key == "expires" && number) m.expires_ms = static_cast<int64_t>(*number);
    else continue;
    ++fields;
  }
  if (fields != 7 || m.id.empty()) return std::nullopt;
  return m;
}

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  return ec ? 0 : size;
}

}  // namespace

UploadRegistry::UploadRegistry(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot create " + dir_.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".meta") continue;
    std::ifstream in(entry.path());
    auto meta = decode_meta(in);
    if (!meta || !fs::exists(part_path(meta->id))) {
      fs::remove(entry.path(), ec);
      continue;
    }
    Entry e;
    e.view.meta = *meta;
    e.view.offset = file_size_or_zero(part_path(meta->id));
    // A complete upload whose processing a restart interrupted: the client uploads again.
    if (e.view.offset >= meta->length) {
      drop_files(meta->id);
      continue;
    }
    uploads_.emplace(meta->id, std::move(e));
  }
}

Result<UploadView> UploadRegistry::create(UploadMeta meta) {
  fs::path part = part_path(meta.id), sidecar = dir_ / (meta.id + ".meta");
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(v1::UNAVAILABLE, "cannot create the upload's file");
  ::close(fd);
  {
    std::ofstream out(sidecar.string() + ".tmp", std::ios::trunc);
    out << encode_meta(meta);
    if (!out.flush()) return fail(v1::UNAVAILABLE, "cannot write the upload's record");
  }
  std::error_code ec;
  fs::rename(sidecar.string() + ".tmp", sidecar, ec);
  if (ec) return fail(v1::UNAVAILABLE, "cannot write the upload's record");
  std::lock_guard lock(mu_);
  Entry e;
  e.view.meta = std::move(meta);
  auto [it, _] = uploads_.emplace(e.view.meta.id, std::move(e));
  return it->second.view;
}

Result<UploadView> UploadRegistry::get(const std::string& id, const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(id);
  if (it == uploads_.end() || it->second.view.meta.user_id != user_id) return fail(v1::NOT_FOUND, "no such upload");
  return it->second.view;
}

Result<int> UploadRegistry::begin_append(const std::string& id, const std::string& user_id, uint64_t offset) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(id);
  if (it == uploads_.end() || it->second.view.meta.user_id != user_id) return fail(v1::NOT_FOUND, "no such upload");
  Entry& e = it->second;
  if (e.view.state != UploadState::kReceiving) return fail(v1::CONFLICT, "the upload is already complete");
  if (e.appending) return fail(v1::CONFLICT, "another request is appending to this upload");
  if (offset != e.view.offset) {
    return fail(v1::CONFLICT, "Upload-Offset is " + std::to_string(offset) + " but the upload is at " +
                                  std::to_string(e.view.offset));
  }
  int fd = ::open(part_path(id).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return fail(v1::UNAVAILABLE, "cannot open the upload's file");
  e.appending = true;
  return fd;
}

uint64_t UploadRegistry::end_append(const std::string& id, int fd, bool* complete) {
  ::fdatasync(fd);
  struct stat st{};
  uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  ::close(fd);
  std::lock_guard lock(mu_);
  *complete = false;
  auto it = uploads_.find(id);
  if (it == uploads_.end()) return size;
  Entry& e = it->second;
  e.appending = false;
  e.view.offset = size;
  if (size >= e.view.meta.length) {
    e.view.state = UploadState::kProcessing;
    *complete = true;
  }
  return size;
}

void UploadRegistry::finish(const std::string& id, Result<v1::BlobInfo> outcome) {
  drop_files(id);
  std::lock_guard lock(mu_);
  auto it = uploads_.find(id);
  if (it == uploads_.end()) return;
  if (outcome) {
    it->second.view.state = UploadState::kDone;
    it->second.view.blob = std::move(*outcome);
  } else {
    it->second.view.state = UploadState::kFailed;
    it->second.view.error = std::move(outcome.error());
  }
}

Status UploadRegistry::remove(const std::string& id, const std::string& user_id) {
  {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end() || it->second.view.meta.user_id != user_id) return fail(v1::NOT_FOUND, "no such upload");
    if (it->second.appending || it->second.view.state == UploadState::kProcessing) {
      return fail(v1::CONFLICT, "the upload is busy");
    }
    uploads_.erase(it);
  }
  drop_files(id);
  return {};
}

std::pair<uint64_t, uint32_t> UploadRegistry::pending_of(const std::string& user_id) {
  std::lock_guard lock(mu_);
  uint64_t bytes = 0;
  uint32_t count = 0;
  for (const auto& [id, e] : uploads_) {
    if (e.view.meta.user_id != user_id) continue;
    if (e.view.state != UploadState::kReceiving && e.view.state != UploadState::kProcessing) continue;
    bytes += e.view.meta.length;
    ++count;
  }
  return {bytes, count};
}

size_t UploadRegistry::expire(int64_t now_ms) {
  std::vector<std::string> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = uploads_.begin(); it != uploads_.end();) {
      const Entry& e = it->second;
      if (e.view.meta.expires_ms <= now_ms && !e.appending && e.view.state != UploadState::kProcessing) {
        if (e.view.state == UploadState::kReceiving) expired.push_back(it->first);
        it = uploads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& id : expired) drop_files(id);
  return expired.size();
}

void UploadRegistry::drop_files(const std::string& id) {
  std::error_code ec;
  fs::remove(part_path(id), ec);
  fs::remove(dir_ / (id + ".meta"), ec);
}

}  // namespace parley::media
