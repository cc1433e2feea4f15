// Driving `parley` processes in tests: a process with pipes to its stdin, stdout and stderr and bounded waits
// for output, a temporary home directory, and a one-shot run.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sdk_test_support.h"
#include "server_process.h"

extern char** environ;

namespace parley::testing {

using namespace std::chrono_literals;

// A running parley process with pipes to its stdin, stdout and stderr.
class Parley {
 public:
  Parley(const std::string& home, uint16_t port, std::vector<std::string> args) {
    std::vector<std::string> argv_s = {
        PARLEY_CLI_PATH, "--home", home, "--server", "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws",
        "--timeout",     "20"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, PARLEY_CLI_PATH, &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start parley");
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
  }
  ~Parley() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {stdin_, stdout_, stderr_})
      if (fd >= 0) ::close(fd);
  }

  void write_line(const std::string& line) {
    std::string data = line + "\n";
    ASSERT_EQ(::write(stdin_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  void close_stdin() {
    ::close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

  // Reads stdout until a line containing `needle` arrives; false on timeout or end of output.
  bool wait_output(const std::string& needle, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (out_.find(needle) != std::string::npos) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!read_some(stdout_, out_, left)) return out_.find(needle) != std::string::npos;
    }
  }

  // Waits for exit (bounded), collecting the rest of the output. Returns the exit code, -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        while (read_some(stdout_, out_, 0ms)) {
        }
        while (read_some(stderr_, err_, 0ms)) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() >= deadline) return -1;
      // Drain the pipes meanwhile so the child never blocks on a full one.
      read_some(stdout_, out_, 20ms);
      read_some(stderr_, err_, 0ms);
    }
  }

  // The same for stderr (status lines of `chat`: typing, receipts).
  bool wait_error(const std::string& needle, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (err_.find(needle) != std::string::npos) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!read_some(stderr_, err_, left)) return err_.find(needle) != std::string::npos;
    }
  }
  // Writes without a newline: an unfinished line, as if being typed.
  void write_raw(const std::string& data) {
    ASSERT_EQ(::write(stdin_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  static bool read_some(int fd, std::string& into, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string out_, err_;
};

class TempHome {
 public:
  TempHome() {
    char tmpl[] = "/tmp/parley-cli-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempHome() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline int run(const std::string& home, uint16_t port, std::vector<std::string> args, std::string* out = nullptr,
               std::string* err = nullptr) {
  Parley p(home, port, std::move(args));
  p.close_stdin();
  int code = p.wait_exit();
  if (out) *out = p.out();
  if (err) *err = p.err();
  return code;
}

}  // namespace parley::testing
