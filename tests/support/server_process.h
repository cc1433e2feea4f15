// A real parleyd for integration tests: its own temp data dir, an ephemeral loopback port, stopped (SIGTERM)
// when the object goes away. restart() keeps the data; kill9() simulates a crash.
//
// In sanitizer builds parleyd is instrumented too, and what it reports goes to its log, not to the test's
// output: every time the server exits (terminate(), kill9(), a death during start-up) the new part of its log
// is searched for a sanitizer report, and the running test fails with the report in its message. A report
// therefore fails the test that provoked it even when the server survives it (or it comes during shutdown).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::testing {

class ServerProcess {
 public:
  // Starts parleyd with `args` added to the defaults (loopback, port 0, temp data dir, admin secret "admin").
  explicit ServerProcess(std::vector<std::string> args = {});
  ~ServerProcess();

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }  // 0 unless started with --tls-listen
  const std::string& data_dir() const { return data_dir_; }
  // Everything the server wrote to stdout and stderr, across restarts. Its tail is printed when the test
  // that owns the server has failed.
  std::string log_path() const { return dir_ + "/server.log"; }
  std::string log() const;
  static constexpr const char* kAdminSecret = "admin";

  void terminate();  // SIGTERM, wait for exit; returns when it has exited
  void kill9();      // SIGKILL, wait
  void start();      // (re)start on the same data dir; waits until it listens
  void signal(int signal_number);  // e.g. SIGHUP
  int exit_status() const { return exit_status_; }

 private:
  void wait_exit();
  // Fails the current test if the log, from `log_checked_` on, holds a sanitizer report.
  void check_log_for_sanitizer_reports();

  std::vector<std::string> args_;
  std::string dir_;
  std::string data_dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  int exit_status_ = -1;
  size_t log_checked_ = 0;  // how much of the log has been searched for sanitizer reports
};

// Creates a user through the admin API (no password hashing unless `password` is set) and returns a token for
// `device` (also through the admin API), valid for `ttl_seconds` (0: the server's default). Fails the test on
// error.
std::string admin_user_token(uint16_t port, const std::string& user, const std::string& device,
                             const std::string& password = "", int64_t ttl_seconds = 0);

}  // namespace parley::testing
