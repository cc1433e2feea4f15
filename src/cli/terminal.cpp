#include "cli/terminal.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace parley::cli {

std::optional<std::string> read_password(const std::string& prompt) {
  bool tty = ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!ok) return std::nullopt;
  return line;
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopOrInput::StopOrInput() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
}

StopOrInput::~StopOrInput() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

StopOrInput::Event StopOrInput::next(std::string& line, std::optional<std::chrono::milliseconds> timeout,
                                     bool watch_stdin) {
  constexpr size_t kMaxLine = 64 * 1024;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return Event::kLine;
    }
    if (buffer_.size() > kMaxLine) {  // a line without end: hand over what we have
      line = std::move(buffer_);
      buffer_.clear();
      return Event::kLine;
    }
    if (eof_) {
      if (!buffer_.empty()) {
        line = std::move(buffer_);
        buffer_.clear();
        return Event::kLine;
      }
      if (watch_stdin) return Event::kEndOfInput;
    }
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    nfds_t count = (watch_stdin && !eof_) ? 2 : 1;
    int ms = timeout ? static_cast<int>(timeout->count()) : -1;
    int n = ::poll(fds, count, ms);
    if (n == 0) return Event::kTimeout;
    if (n < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      (void)!::read(signal_fd_, &info, sizeof info);
      return Event::kStopSignal;
    }
    if (count == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
      char chunk[4096];
      ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (got <= 0)
        eof_ = true;
      else
        buffer_.append(chunk, static_cast<size_t>(got));
    }
  }
}

}  // namespace parley::cli
