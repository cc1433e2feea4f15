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
  constexpr size_t kMaxLine = size_t{64} * 1024;
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
      if (got <= 0) {
        eof_ = true;
      } else {
        take(chunk, static_cast<size_t>(got));
        if (buffer_.find('\n') == std::string::npos && !eof_ && buffer_.size() <= kMaxLine) {
          line = buffer_;
          return Event::kTyping;
        }
      }
    }
  }
}

}  // namespace parley::cli

namespace parley::cli {

void StopOrInput::take(const char* data, size_t size) {
  if (!keystrokes_) {
    buffer_.append(data, size);
    return;
  }
  for (size_t i = 0; i < size; ++i) {
    char c = data[i];
    if (c == 0x7f || c == 0x08) {  // backspace: drop the last UTF-8 character and erase it on the screen
      if (buffer_.empty()) continue;
      size_t cut = buffer_.size() - 1;
      while (cut > 0 && (static_cast<unsigned char>(buffer_[cut]) & 0xC0) == 0x80) --cut;
      buffer_.erase(cut);
      std::cerr << "\b \b" << std::flush;
    } else if (c == 0x15) {  // Ctrl-U: the whole line
      buffer_.erase(buffer_.rfind('\n') == std::string::npos ? 0 : buffer_.rfind('\n') + 1);
      std::cerr << "\r\033[K" << std::flush;
    } else if (c == 0x04) {  // Ctrl-D: end of input on an empty line
      if (buffer_.empty()) eof_ = true;
    } else if (c == '\r') {
      buffer_ += '\n';
    } else {
      buffer_ += c;
    }
  }
}

struct KeystrokeInput::Saved {
  termios attributes{};
};

KeystrokeInput::KeystrokeInput() {
  if (!::isatty(STDIN_FILENO)) return;
  saved_ = std::make_unique<Saved>();
  if (::tcgetattr(STDIN_FILENO, &saved_->attributes) != 0) return;
  termios keys = saved_->attributes;
  keys.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHOCTL);  // echo stays on; ISIG keeps Ctrl-C a signal
  keys.c_cc[VMIN] = 1;
  keys.c_cc[VTIME] = 0;
  active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0;
}

KeystrokeInput::~KeystrokeInput() {
  if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_->attributes);
}

}  // namespace parley::cli
