#include "server/config.h"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace parley::server {
namespace {

struct OptionSpec {
  const char* key;  // TOML key; the flag is --key-with-dashes, the variable PARLEY_KEY
  const char* help;
  std::function<void(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
  bool secret = false;
};

template <typename T>
T parse_number(const std::string& key, const std::string& text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::runtime_error("option " + key + ": '" + text + "' is not a valid number");
  }
  return value;
}

bool parse_bool(const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw std::runtime_error("option " + key + ": '" + text + "' is not true or false");
}

template <typename T>
OptionSpec number(const char* key, const char* help, T Config::*field) {
  return {key, help, [=](Config& c, const std::string& v) { c.*field = parse_number<T>(key, v); },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

// A TOML basic string: quotes, backslashes and control characters escaped, so that what render_config prints
// reads back as the same value.
std::string toml_string(const std::string& value) {
  std::string out = "\"";
  for (unsigned char ch : value) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", ch);
      out += escaped;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

OptionSpec text(const char* key, const char* help, std::string Config::*field, bool secret = false) {
  return {key, help, [=](Config& c, const std::string& v) { c.*field = v; },
          [=](const Config& c) { return toml_string(c.*field); }, secret};
}

OptionSpec boolean(const char* key, const char* help, bool Config::*field) {
  return {key, help, [=](Config& c, const std::string& v) { c.*field = parse_bool(key, v); },
          [=](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = {
      text("listen", "HOST:PORT to serve WebSocket and HTTP on", &Config::listen),
      text("tls_listen", "HOST:PORT to serve wss:// and https:// on (TLS 1.2+); empty: no TLS listener",
           &Config::tls_listen),
      text("tls_cert_file", "PEM certificate chain for tls_listen (server certificate first); re-read on SIGHUP",
           &Config::tls_cert_file),
      text("tls_key_file", "PEM private key for tls_listen; re-read on SIGHUP", &Config::tls_key_file),
      text("data_dir", "directory of the SQLite database", &Config::data_dir),
      text("cors_origins",
           "web origins (scheme://host[:port], comma-separated) whose pages may call the HTTP API and open "
           "WebSockets; empty: only pages served by parleyd itself",
           &Config::cors_origins),
      text("web_root", "directory of the web client's build, served at / (relative to the working directory); "
           "when it is missing or empty, / serves a plain page", &Config::web_root),
      text("admin_secret", "bearer secret of the admin HTTP API; unset turns the admin API off",
           &Config::admin_secret, true),
      number("io_threads", "I/O threads (0: one per core)", &Config::io_threads),
      number("worker_threads", "threads for password hashing and store reads", &Config::worker_threads),
      boolean("allow_registration", "let anyone register an account over the WebSocket API",
              &Config::allow_registration),
      {"device_policy", "unlimited | one_per_platform_class (a new login replaces the older session of its class)",
       [](Config& c, const std::string& v) {
         if (v == "unlimited") c.device_policy = core::DevicePolicy::kUnlimited;
         else if (v == "one_per_platform_class") c.device_policy = core::DevicePolicy::kOnePerPlatformClass;
         else throw std::runtime_error("option device_policy: '" + v + "' is not unlimited or one_per_platform_class");
       },
       [](const Config& c) {
         return std::string(c.device_policy == core::DevicePolicy::kUnlimited ? "\"unlimited\""
                                                                              : "\"one_per_platform_class\"");
       }},
      number("token_ttl_seconds", "lifetime of a session token", &Config::token_ttl_seconds),
      number("refresh_ttl_seconds", "lifetime of a refresh token", &Config::refresh_ttl_seconds),
      boolean("durable_sync", "fsync every commit (SQLite synchronous=FULL); false: NORMAL", &Config::durable_sync),
      number("read_connections", "SQLite read connections", &Config::read_connections),
      number("max_frame_bytes", "largest WebSocket message accepted", &Config::max_frame_bytes),
      number("max_text_bytes", "largest message text accepted", &Config::max_text_bytes),
      number("requests_per_second", "requests per second per connection (burst of the same size)",
             &Config::requests_per_second),
      number("max_inflight_requests", "unanswered requests per connection before reading pauses",
             &Config::max_inflight_requests),
      number("max_queued_bytes", "bytes queued to one connection before it is closed as a slow consumer",
             &Config::max_queued_bytes),
      number("max_write_queue_ms",
             "refuse store writes (UNAVAILABLE) while the oldest queued write has waited longer than this (0: off)",
             &Config::max_write_queue_ms),
      number("idle_timeout_seconds", "close a connection silent for this long", &Config::idle_timeout_seconds),
      number("auth_timeout_seconds", "close a connection not authenticated within this time",
             &Config::auth_timeout_seconds),
      number("handshake_timeout_seconds", "limit for the HTTP/WebSocket handshake",
             &Config::handshake_timeout_seconds),
      number("max_group_members", "members per group", &Config::max_group_members),
      boolean("direct_chat_friends_only", "only friends may start a direct chat (false: anyone not blocked)",
              &Config::direct_chat_friends_only),
      number("edit_window_seconds", "how long after sending a message its sender may edit it",
             &Config::edit_window_seconds),
      number("revoke_window_seconds", "how long after sending a message its sender may revoke it",
             &Config::revoke_window_seconds),
      number("typing_max_group_members", "groups larger than this get no typing indicators",
             &Config::typing_max_group_members),
      number("presence_grace_ms", "a user who reconnects within this time never shows as offline",
             &Config::presence_grace_ms),
      number("sync_page_size", "conversations per sync page", &Config::sync_page_size),
      number("max_pull_limit", "messages per pull", &Config::max_pull_limit),
      number("max_pending_hashes", "password hashes queued at once", &Config::max_pending_hashes),
      number("user_messages_per_second", "messages one user may send per second, bursts of 10 s worth (0: no limit)",
             &Config::user_messages_per_second),
      number("conversation_messages_per_second",
             "messages per second into one conversation from everyone together, bursts of 10 s worth (0: no limit)",
             &Config::conversation_messages_per_second),
      number("max_groups_per_day", "groups one user may create per day (0: no limit)", &Config::max_groups_per_day),
      number("max_friend_requests_per_day", "friend requests one user may send per day (0: no limit)",
             &Config::max_friend_requests_per_day),
      number("login_failures_before_backoff",
             "failed logins in a row for one account before it waits 1 s, 2 s, 4 s ... 15 min (0: never)",
             &Config::login_failures_before_backoff),
      number("login_failures_per_address_before_backoff",
             "failed logins in a row from one IP address before it waits the same way (0: never)",
             &Config::login_failures_per_address_before_backoff),
      number("max_connections_per_address", "WebSocket connections open at once from one IP address (0: no limit)",
             &Config::max_connections_per_address),
      number("media_max_file_bytes", "largest upload", &Config::media_max_file_bytes),
      number("media_max_oneshot_bytes", "largest one-shot upload (POST /v1/media/blobs)",
             &Config::media_max_oneshot_bytes),
      number("media_quota_bytes", "bytes of blobs (and uploads in progress) per user", &Config::media_quota_bytes),
      number("media_max_pending_uploads", "resumable uploads in progress per user",
             &Config::media_max_pending_uploads),
      number("media_max_chunk_bytes", "largest PATCH body of a resumable upload", &Config::media_max_chunk_bytes),
      text("media_allowed_types", "detected content types accepted (comma-separated prefixes; * for all)",
           &Config::media_allowed_types),
      text("media_thumbnail_sizes", "thumbnail sizes (longest side, pixels; comma-separated)",
           &Config::media_thumbnail_sizes),
      text("media_thumbnail_format", "webp | jpeg", &Config::media_thumbnail_format),
      number("media_max_pixels", "images and video frames with more pixels are refused", &Config::media_max_pixels),
      boolean("media_strip_metadata", "re-encode images without EXIF/GPS/XMP metadata", &Config::media_strip_metadata),
      number("media_workers", "media processing threads", &Config::media_workers),
      number("media_max_queued_jobs", "media processing jobs waiting at most", &Config::media_max_queued_jobs),
      number("media_upload_expiry_seconds", "unfinished uploads are dropped after this",
             &Config::media_upload_expiry_seconds),
      number("media_gc_grace_seconds", "unreferenced blobs are deleted after this", &Config::media_gc_grace_seconds),
      number("media_gc_interval_seconds", "how often blob garbage collection runs (0: never by itself)",
             &Config::media_gc_interval_seconds),
      number("media_url_ttl_seconds", "lifetime of signed download URLs", &Config::media_url_ttl_seconds),
      text("log_format", "text | json", &Config::log_format),
      text("log_level", "trace | debug | info | warn | error | critical | off", &Config::log_level),
      text("port_file", "write the bound port to this file once listening", &Config::port_file),
  };
  return specs;
}

std::string flag_name(const char* key) {
  std::string f = std::string("--") + key;
  for (auto& ch : f) if (ch == '_') ch = '-';
  return f;
}

std::string env_name(const char* key) {
  std::string e = std::string("PARLEY_") + key;
  for (auto& ch : e) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return e;
}

std::string toml_value_as_text(const toml::node& node, const std::string& key) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  throw std::runtime_error("option " + key + " in the config file must be a string, integer or boolean");
}

void validate(const Config& c) {
  c.listen_port();  // throws on a malformed address
  if (!c.tls_listen.empty()) {
    Config::split_host_port(c.tls_listen, "tls_listen");
    if (c.tls_cert_file.empty() || c.tls_key_file.empty()) {
      throw std::runtime_error("tls_listen needs tls_cert_file and tls_key_file");
    }
  } else if (!c.tls_cert_file.empty() || !c.tls_key_file.empty()) {
    throw std::runtime_error("tls_cert_file and tls_key_file are used only with tls_listen, which is not set");
  }
  if (c.max_frame_bytes < 1024) throw std::runtime_error("max_frame_bytes must be at least 1024");
  if (c.requests_per_second == 0) throw std::runtime_error("requests_per_second must be positive");
  if (c.max_inflight_requests == 0 || c.sync_page_size == 0 || c.max_pull_limit == 0 || c.read_connections < 1 ||
      c.worker_threads < 1 || c.max_group_members == 0 || c.max_pending_hashes == 0 || c.max_text_bytes == 0) {
    throw std::runtime_error(
        "max_inflight_requests, sync_page_size, max_pull_limit, read_connections, worker_threads, "
        "max_group_members, max_pending_hashes and max_text_bytes must be at least 1");
  }
  if (c.max_queued_bytes < c.max_frame_bytes) throw std::runtime_error("max_queued_bytes must be >= max_frame_bytes");
  if (c.media_workers == 0 || c.media_max_queued_jobs == 0 || c.media_max_chunk_bytes == 0 ||
      c.media_max_file_bytes == 0) {
    throw std::runtime_error("media_workers, media_max_queued_jobs, media_max_chunk_bytes and media_max_file_bytes "
                             "must be at least 1");
  }
  if (c.media_thumbnail_format != "webp" && c.media_thumbnail_format != "jpeg") {
    throw std::runtime_error("media_thumbnail_format must be webp or jpeg");
  }
  if (c.log_format != "text" && c.log_format != "json") throw std::runtime_error("log_format must be text or json");
  // spdlog reads a name it does not know as "off", so a typo would silently turn logging off.
  static constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(kLogLevels), std::end(kLogLevels), c.log_level) == std::end(kLogLevels)) {
    throw std::runtime_error("log_level must be trace, debug, info, warn, error, critical or off, got '" +
                             c.log_level + "'");
  }
  if (c.token_ttl_seconds <= 0 || c.refresh_ttl_seconds <= 0) throw std::runtime_error("TTLs must be positive");
}

}  // namespace

Config::HostPort Config::split_host_port(const std::string& value, const char* option) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::runtime_error(std::string(option) + " must be HOST:PORT, got '" + value + "'");
  }
  HostPort out{value.substr(0, colon), parse_number<uint16_t>(option, value.substr(colon + 1))};
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  return out;
}

void apply_config_file(std::string_view text, const std::string& name, Config& config) {
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << "config file " << name << ": " << e.description() << " at " << e.source().begin;
    throw std::runtime_error(out.str());
  }
  for (const auto& [key, node] : table) {
    auto it = std::find_if(option_specs().begin(), option_specs().end(),
                           [&](const OptionSpec& s) { return key.str() == s.key; });
    if (it == option_specs().end()) {
      throw std::runtime_error("config file " + name + ": unknown option '" + std::string(key.str()) + "'");
    }
    it->set(config, toml_value_as_text(node, it->key));
  }
}

void validate_config(const Config& config) { validate(config); }

ConfigOutcome load_config(int argc, char** argv, Config& config) {
  CLI::App app{"parleyd: the Parley instant-messaging server"};
  std::string config_file;
  bool print_config = false;
  app.add_option("--config", config_file, "TOML configuration file")->envname("PARLEY_CONFIG");
  app.add_flag("--print-config", print_config, "print the effective configuration and exit");
  std::map<std::string, std::string> flag_values;
  std::vector<std::pair<const OptionSpec*, CLI::Option*>> flags;
  for (const auto& spec : option_specs()) {
    std::string help = std::string(spec.help) + " [env " + env_name(spec.key) + "]";
    auto* option = app.add_option(flag_name(spec.key), flag_values[spec.key], help);
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a later flag overrides an earlier one
    flags.emplace_back(&spec, option);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (rc == 0) return ConfigOutcome::kExit;
    throw std::runtime_error("bad command line (see --help)");
  }

  if (!config_file.empty()) {
    std::ifstream in(config_file, std::ios::binary);
    if (!in) throw std::runtime_error("config file " + config_file + ": cannot be read");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    apply_config_file(text, config_file, config);
  }
  for (const auto& spec : option_specs()) {
    if (const char* v = std::getenv(env_name(spec.key).c_str())) spec.set(config, v);
  }
  for (const auto& [spec, option] : flags) {
    if (option->count() > 0) spec->set(config, flag_values[spec->key]);
  }
  validate(config);
  if (print_config) {
    std::cout << render_config(config);
    return ConfigOutcome::kExit;
  }
  return ConfigOutcome::kRun;
}

std::string render_config(const Config& config) {
  std::string out;
  for (const auto& spec : option_specs()) {
    std::string value = spec.get(config);
    if (spec.secret && value != "\"\"") value = "\"<redacted>\"";
    out += std::string(spec.key) + " = " + value + "\n";
  }
  return out;
}

}  // namespace parley::server
