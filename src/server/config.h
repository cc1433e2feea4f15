// parleyd's configuration. Every option can be set in the TOML file (`--config`), as a PARLEY_* environment
// variable, and as a command-line flag; later sources override earlier ones in exactly that order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/core/device_policy.h"

namespace parley::server {

struct Config {
  std::string listen = "0.0.0.0:8080";
  std::string tls_listen;                 // HOST:PORT for https:// and wss://; empty: no TLS listener
  std::string tls_cert_file;              // PEM certificate chain, the server's certificate first
  std::string tls_key_file;               // PEM private key of that certificate
  std::string data_dir = "./parley-data";
  std::string cors_origins;               // other web origins allowed to call the HTTP API (comma-separated)
  std::string web_root = "web/dist";      // the web client's build; missing: a plain home page at /
  std::string admin_secret;               // empty: the admin API is off
  int io_threads = 0;                     // 0: one per core
  int worker_threads = 2;                 // password hashing and store reads
  bool allow_registration = true;
  core::DevicePolicy device_policy = core::DevicePolicy::kUnlimited;
  int64_t token_ttl_seconds = int64_t{30} * 24 * 3600;
  int64_t refresh_ttl_seconds = int64_t{90} * 24 * 3600;
  bool durable_sync = true;               // SQLite synchronous=FULL (true) or NORMAL (false)
  int read_connections = 4;
  uint32_t max_frame_bytes = 64 * 1024;
  uint32_t max_text_bytes = 16 * 1024;
  uint32_t requests_per_second = 200;     // per connection, with a burst of the same size
  uint32_t max_inflight_requests = 128;   // per connection; reading pauses above it
  uint32_t max_queued_bytes = 4 * 1024 * 1024;  // per connection; a slower consumer is disconnected
  uint32_t max_write_queue_ms = 1000;  // a store write is refused (UNAVAILABLE) once the oldest waits longer; 0: off
  uint32_t idle_timeout_seconds = 60;
  uint32_t auth_timeout_seconds = 15;
  uint32_t handshake_timeout_seconds = 10;
  uint32_t max_group_members = 100000;
  bool direct_chat_friends_only = false;
  int64_t edit_window_seconds = int64_t{48} * 3600;
  int64_t revoke_window_seconds = int64_t{24} * 3600;
  uint32_t typing_max_group_members = 500;
  uint32_t presence_grace_ms = 2000;
  uint32_t sync_page_size = 500;
  uint32_t max_pull_limit = 200;
  uint32_t max_pending_hashes = 64;       // password hashes queued at once; more get UNAVAILABLE
  // Abuse limits (0 turns each off). Rates are sustained rates with bursts of ten seconds' worth.
  uint32_t user_messages_per_second = 50;
  uint32_t conversation_messages_per_second = 100;
  uint32_t max_groups_per_day = 100;           // groups one user may create
  uint32_t max_friend_requests_per_day = 200;  // friend requests one user may send
  uint32_t login_failures_before_backoff = 5;  // per account, then 1 s, 2 s, 4 s ... up to 15 min
  uint32_t login_failures_per_address_before_backoff = 50;
  uint32_t max_connections_per_address = 10000;  // WebSocket connections from one IP address
  // Media (issue 6): uploads, processing, downloads, garbage collection. See docs/operations.md.
  uint64_t media_max_file_bytes = 100ull * 1024 * 1024;  // one upload
  uint64_t media_max_oneshot_bytes = 8ull * 1024 * 1024; // POST /v1/media/blobs (larger: resumable uploads)
  uint64_t media_quota_bytes = 2ull * 1024 * 1024 * 1024; // per user: blobs uploaded plus uploads in progress
  uint32_t media_max_pending_uploads = 8;                 // resumable uploads in progress per user
  uint32_t media_max_chunk_bytes = 16 * 1024 * 1024;      // one PATCH body
  std::string media_allowed_types =                       // detected type prefixes; "*" allows everything
      "image/,video/,audio/,text/plain,application/pdf,application/zip,application/gzip,application/json,"
      "application/octet-stream";
  std::string media_thumbnail_sizes = "320";              // longest side in pixels, comma-separated
  std::string media_thumbnail_format = "webp";            // webp | jpeg
  uint64_t media_max_pixels = 50'000'000;                 // images and video frames larger than this are refused
  bool media_strip_metadata = true;                       // re-encode images without EXIF/GPS/XMP
  uint32_t media_workers = 1;                             // processing threads
  uint32_t media_max_queued_jobs = 16;                    // processing jobs waiting; more get UNAVAILABLE
  uint32_t media_upload_expiry_seconds = 24 * 3600;       // an unfinished upload is dropped after this
  uint32_t media_gc_grace_seconds = 24 * 3600;            // unreferenced blobs are kept this long
  uint32_t media_gc_interval_seconds = 3600;              // how often GC runs (0: only via the admin endpoint)
  uint32_t media_url_ttl_seconds = 600;                   // lifetime of signed download URLs
  std::string log_format = "text";        // text | json
  std::string log_level = "info";         // trace | debug | info | warn | error | critical | off
  std::string port_file;                  // when set, the bound port is written here once listening

  std::string listen_host() const { return split_host_port(listen, "listen").host; }
  uint16_t listen_port() const { return split_host_port(listen, "listen").port; }

  struct HostPort {
    std::string host;  // without the brackets of an IPv6 literal
    uint16_t port = 0;
  };
  // "HOST:PORT" (or "[v6]:PORT") of option `option`; throws std::runtime_error when malformed.
  static HostPort split_host_port(const std::string& value, const char* option);
};

enum class ConfigOutcome { kRun, kExit };

// Parses flags, the config file and the environment. Prints --help / --print-config and returns kExit for
// them; throws std::runtime_error with a readable message on a bad value.
ConfigOutcome load_config(int argc, char** argv, Config& config);

// Applies the options of a TOML config file's `text` (`name` is for messages); throws std::runtime_error with a
// readable message on a syntax error, an unknown option or a bad value. load_config uses it for --config.
void apply_config_file(std::string_view text, const std::string& name, Config& config);
// Throws std::runtime_error when options contradict each other or are out of range.
void validate_config(const Config& config);

// The effective configuration as TOML (the admin secret redacted).
std::string render_config(const Config& config);

}  // namespace parley::server
