#include "server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "parley/v1/admin.pb.h"
#include "protocol/codec.h"
#include "ws_client.h"

extern char** environ;

namespace parley::testing {

ServerProcess::ServerProcess(std::vector<std::string> args) : args_(std::move(args)) {
  char tmpl[] = "/tmp/parley-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  data_dir_ = dir_ + "/data";
  try {
    start();
  } catch (const std::runtime_error& e) {
    // The destructor will not run: say why the server did not start, and leave no directory behind.
    std::string why = std::string(e.what()) + "; its log:\n" + log();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error(why);
  }
}

ServerProcess::~ServerProcess() {
  terminate();
  if (::testing::Test::HasFailure()) {
    std::string text = log();
    constexpr size_t kTail = 8000;
    if (!text.empty()) {
      std::cerr << "--- the end of parleyd's log (" << log_path() << ") ---\n"
                << (text.size() > kTail ? "..." + text.substr(text.size() - kTail) : text) << "---\n";
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void ServerProcess::start() {
  const std::string port_file = dir_ + "/port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv_strings = {PARLEYD_PATH,   "--listen",       "127.0.0.1:0",   "--data-dir",
                                           data_dir_,      "--port-file",    port_file,       "--admin-secret",
                                           kAdminSecret,   "--io-threads",   "2",             "--log-level",
                                           "warn"};
  argv_strings.insert(argv_strings.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  // fork + exec rather than posix_spawn, to ask for SIGKILL when the test process dies: a crashed test must
  // not leave a server behind holding the test runner's output pipe open.
  const pid_t parent = getpid();
  const std::string log_file = log_path();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot start parleyd");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
    // Output to the log file; only stdin, stdout and stderr stay open: a socket of the test's that the
    // server inherited would stay open in it after the test closed it (a cut connection would not be cut).
    int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    close_range(3, ~0U, 0);
    execv(PARLEYD_PATH, argv.data());
    _exit(127);
  }
  // Wait (bounded) for the server to write its port file, which it does once it is listening.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_) {
      if (!(in >> tls_port_)) tls_port_ = 0;  // a second line: the TLS port
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      check_log_for_sanitizer_reports();
      throw std::runtime_error("parleyd exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("parleyd did not start listening within 20 s");
}

void ServerProcess::wait_exit() {
  if (pid_ <= 0) return;
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  check_log_for_sanitizer_reports();
}

void ServerProcess::check_log_for_sanitizer_reports() {
  // The first line of every report of ThreadSanitizer, AddressSanitizer, LeakSanitizer and UBSan.
  static constexpr const char* kMarkers[] = {"WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                                             "ERROR: LeakSanitizer:", ": runtime error: "};
  const std::string text = log();
  if (text.size() <= log_checked_) return;
  size_t first = std::string::npos;
  for (const char* marker : kMarkers) first = std::min(first, text.find(marker, log_checked_));
  log_checked_ = text.size();
  if (first == std::string::npos) return;
  const size_t line_start = text.rfind('\n', first);
  const size_t from = line_start == std::string::npos ? 0 : line_start + 1;
  constexpr size_t kMaxReport = 12000;
  ADD_FAILURE() << "parleyd reported a sanitizer error (in " << log_path() << "):\n"
                << text.substr(from, kMaxReport) << (text.size() - from > kMaxReport ? "\n..." : "");
}

void ServerProcess::signal(int signal_number) {
  if (pid_ > 0) ::kill(pid_, signal_number);
}

void ServerProcess::terminate() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  wait_exit();
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_exit();
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string admin_user_token(uint16_t port, const std::string& user, const std::string& device,
                             const std::string& password, int64_t ttl_seconds) {
  std::string body = R"({"user_id":")" + user + R"(")" + (password.empty() ? "" : R"(,"password":")" + password + R"(")") + "}";
  auto created = http_request(port, "POST", "/v1/admin/users", body, ServerProcess::kAdminSecret);
  EXPECT_TRUE(created.status == 201 || created.status == 409) << created.body;
  auto issued = http_request(port, "POST", "/v1/admin/users/" + user + "/tokens",
                             R"({"device_id":")" + device + R"(","platform":"LINUX","ttl_seconds":")" +
                                 std::to_string(ttl_seconds) + R"("})",
                             ServerProcess::kAdminSecret);
  EXPECT_EQ(issued.status, 201) << issued.body;
  v1::AdminTokenResponse token;
  auto ok = protocol::parse_json(issued.body, token);
  EXPECT_TRUE(ok.has_value());
  return token.session().token();
}

}  // namespace parley::testing
