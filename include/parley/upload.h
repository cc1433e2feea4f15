// libparley media uploads: a file to the server's blob store over HTTP, resumable (the tus 1.0 protocol
// parleyd speaks, see docs/protocol.md "Media over HTTP"), with progress. The result names the blob to put in
// an IMAGE, AUDIO, VIDEO or FILE message (Client::send_media).
//
// Threading: upload_file() blocks the calling thread until the upload ends (it never touches a Client's
// thread); run it on a thread of your own, or use Client::upload_file(), which does. `progress` runs on the
// uploading thread after each chunk; return false from it to stop (the upload can be resumed later with
// UploadOptions::resume_url).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "parley/client.h"

namespace parley {

struct UploadOptions {
  std::string server;            // as ClientOptions::server_url: "host:port", "ws://…", "wss://…", "http(s)://…"
  std::string tls_ca_file;       // as ClientOptions::tls_ca_file
  std::string token;             // the session token (Client::session_token())
  std::string file_name;         // offered to recipients; default: the path's last component
  std::string content_type;      // the claimed type (the server checks it against the content); may be empty
  size_t chunk_bytes = size_t{4} * 1024 * 1024;
  int max_attempts = 5;          // per chunk; between attempts the offset is asked again (HEAD)
  std::chrono::milliseconds timeout{120000};  // per HTTP exchange (the last one includes server processing)
  std::string resume_url;        // an earlier upload's URL (UploadedBlob::upload_url) to continue
};

struct UploadProgress {
  uint64_t sent = 0;             // bytes the server has confirmed
  uint64_t total = 0;
  std::string upload_url;        // keep it to resume after a stop or a crash (UploadOptions::resume_url)
};

struct UploadedBlob {
  std::string blob_id;           // sha256 hex
  std::string mime_type;         // as detected by the server
  uint64_t size_bytes = 0;
  uint32_t width = 0, height = 0, duration_ms = 0;
  std::string thumbnail_blob_id; // empty when none
  std::string upload_url;        // where the upload lives (for resume_url)
  std::string json;              // the server's BlobInfo in JSON
};

// Uploads `path`. Errors: kErrorBadArgument (no such file, empty), kErrorOffline (cannot reach the server after
// the attempts), the server's codes (UNAUTHENTICATED, TOO_LARGE, INVALID_ARGUMENT for content it refuses, …),
// kErrorStopped when `progress` returned false.
ClientResult<UploadedBlob> upload_file(const std::string& path, const UploadOptions& options,
                                       const std::function<bool(const UploadProgress&)>& progress = {});

// The message kind for a detected type: IMAGE for image/*, AUDIO, VIDEO, else FILE (protocol numbers 3-6).
int media_kind_for(const std::string& mime_type);

}  // namespace parley
