#include "cli/cli_config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace parley::cli {
namespace fs = std::filesystem;

std::string default_home() {
  if (const char* env = std::getenv("PARLEY_HOME"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/parley";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/parley";
  return ".parley";
}

CliConfig load_config(const std::string& home_flag) {
  CliConfig config;
  config.home = home_flag.empty() ? default_home() : home_flag;
  fs::path file = fs::path(config.home) / "config.toml";
  if (fs::exists(file)) {
    try {
      auto table = toml::parse_file(file.string());
      config.server = table["server"].value_or(std::string());
      config.user = table["user"].value_or(std::string());
      config.ca_file = table["ca_file"].value_or(std::string());
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(file.string() + " is not valid TOML: " + std::string(e.description()));
    }
  }
  return config;
}

void save_config(const CliConfig& config) {
  fs::create_directories(config.home);
  fs::path file = fs::path(config.home) / "config.toml";
  toml::table table;
  if (fs::exists(file)) {
    try {
      table = toml::parse_file(file.string());
    } catch (const toml::parse_error&) {
      // rewritten below with what we know
    }
  }
  table.insert_or_assign("server", config.server);
  table.insert_or_assign("user", config.user);
  if (!config.ca_file.empty()) table.insert_or_assign("ca_file", config.ca_file);
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << "# parley command-line client; see `parley --help`\n" << table << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
}

std::string database_path(const CliConfig& config, const std::string& user) {
  fs::path dir = fs::path(config.home) / "accounts";
  fs::create_directories(dir);
  return (dir / (user + ".db")).string();
}

}  // namespace parley::cli
