// Terminal helpers: reading a password without echo, and waiting for input lines or a stop signal
// (SIGINT/SIGTERM through a signalfd, so Ctrl-C ends `chat` and `tail` cleanly).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace parley::cli {

// Reads one line from stdin; without echo when stdin is a terminal (after printing `prompt` to stderr).
std::optional<std::string> read_password(const std::string& prompt);

// Blocks SIGINT and SIGTERM for every thread started afterwards; call first thing in main.
void block_stop_signals();

class StopOrInput {
 public:
  StopOrInput();
  ~StopOrInput();
  enum class Event { kLine, kEndOfInput, kStopSignal, kTimeout };
  // Waits for a full line on stdin (returned in `line`), end of input, or a stop signal.
  Event next(std::string& line, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
             bool watch_stdin = true);

 private:
  int signal_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace parley::cli
