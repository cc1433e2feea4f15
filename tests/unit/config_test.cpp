#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace parley::server {
namespace {

ConfigOutcome load(std::vector<std::string> args, Config& c) {
  args.insert(args.begin(), "parleyd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return load_config(static_cast<int>(argv.size()), argv.data(), c);
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
  Config c;
  ASSERT_EQ(load({}, c), ConfigOutcome::kRun);
  EXPECT_EQ(c.listen, "0.0.0.0:8080");
  EXPECT_EQ(c.data_dir, "./parley-data");
  EXPECT_EQ(c.web_root, "web/dist");
  EXPECT_TRUE(c.admin_secret.empty());
  EXPECT_TRUE(c.allow_registration);
}

TEST(Config, FileThenEnvironmentThenFlags) {
  auto file = std::filesystem::temp_directory_path() / ("parley-config-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << "listen = \"127.0.0.1:9000\"\nmax_text_bytes = 100\nsync_page_size = 7\n"
                         "allow_registration = false\ndevice_policy = \"one_per_platform_class\"\n";
  ::setenv("PARLEY_MAX_TEXT_BYTES", "200", 1);
  ::setenv("PARLEY_SYNC_PAGE_SIZE", "8", 1);
  Config c;
  ASSERT_EQ(load({"--config", file.string(), "--sync-page-size", "9"}, c), ConfigOutcome::kRun);
  ::unsetenv("PARLEY_MAX_TEXT_BYTES");
  ::unsetenv("PARLEY_SYNC_PAGE_SIZE");
  std::filesystem::remove(file);
  EXPECT_EQ(c.listen_port(), 9000);       // file
  EXPECT_EQ(c.max_text_bytes, 200u);      // env beats file
  EXPECT_EQ(c.sync_page_size, 9u);        // flag beats env
  EXPECT_FALSE(c.allow_registration);
  EXPECT_EQ(c.device_policy, core::DevicePolicy::kOnePerPlatformClass);
}

TEST(Config, BadValuesAreReadableErrors) {
  Config c;
  try {
    load({"--max-text-bytes", "lots"}, c);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("max_text_bytes"), std::string::npos) << e.what();
  }
  auto file = std::filesystem::temp_directory_path() / ("parley-bad-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << "no_such_option = 1\n";
  EXPECT_THROW(load({"--config", file.string()}, c), std::runtime_error);
  std::filesystem::remove(file);
}

TEST(Config, LogLevelMustBeOneSpdlogKnows) {
  // spdlog turns an unknown level name into "off": a typo must stop start-up instead of silencing the logs.
  Config c;
  try {
    load({"--log-level", "loud"}, c);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("log_level"), std::string::npos) << e.what();
  }
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    Config ok;
    EXPECT_EQ(load({"--log-level", level}, ok), ConfigOutcome::kRun) << level;
    EXPECT_EQ(ok.log_level, level);
  }
}

TEST(Config, RenderRedactsTheAdminSecret) {
  Config c;
  c.admin_secret = "hunter2";
  std::string text = render_config(c);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("admin_secret = \"<redacted>\""), std::string::npos);
}

}  // namespace
}  // namespace parley::server

namespace parley::server {
namespace {

TEST(Config, LimitsMustBePositive) {
  for (const char* flag : {"--sync-page-size", "--max-pull-limit", "--max-inflight-requests"}) {
    Config c;
    EXPECT_THROW(load({flag, "0"}, c), std::runtime_error) << flag;
  }
}

}  // namespace
}  // namespace parley::server
