// Where the parley command keeps its files, and its defaults.
//
//   home:    --home, else $PARLEY_HOME, else $XDG_CONFIG_HOME/parley, else ~/.config/parley
//   config:  <home>/config.toml   server = "ws://host:port/v1/ws"   user = "alice"   (login writes both)
//   data:    <home>/accounts/<user>.db   (one SQLite database per account: session, messages, outbox)
//
// Precedence for the server and the user: flag, then environment (PARLEY_SERVER, PARLEY_USER), then config.
#pragma once

#include <optional>
#include <string>

namespace parley::cli {

struct CliConfig {
  std::string home;
  std::string server;  // empty: not configured
  std::string ca_file;  // CA certificates for a wss:// server with a private CA; empty: the system's
  std::string user;    // empty: nobody logged in
};

// Reads the config file. Throws std::runtime_error with a clear message when it is not valid TOML.
CliConfig load_config(const std::string& home_flag);

// Saves server and user to <home>/config.toml, keeping other keys. Throws on I/O failure.
void save_config(const CliConfig& config);

std::string default_home();
std::string database_path(const CliConfig& config, const std::string& user);

inline constexpr const char* kDefaultServer = "ws://127.0.0.1:8080/v1/ws";

}  // namespace parley::cli
