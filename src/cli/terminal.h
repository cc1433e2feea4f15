// Terminal helpers: reading a password without echo, and waiting for input lines or a stop signal
// (SIGINT/SIGTERM through a signalfd, so Ctrl-C ends `chat` and `tail` cleanly).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace parley::cli {

// Reads one line from stdin; without echo when stdin is a terminal (after printing `prompt` to stderr).
std::optional<std::string> read_password(const std::string& prompt);

// Blocks SIGINT and SIGTERM for every thread started afterwards; call first thing in main.
void block_stop_signals();

// While alive, a terminal on stdin delivers keystrokes instead of whole lines (canonical mode off, echo kept),
// so `chat` sees typing as it happens; StopOrInput then does the line editing (backspace, Ctrl-U, Ctrl-D).
// Does nothing when stdin is not a terminal. Restores the terminal when destroyed.
class KeystrokeInput {
 public:
  KeystrokeInput();
  ~KeystrokeInput();
  KeystrokeInput(const KeystrokeInput&) = delete;
  KeystrokeInput& operator=(const KeystrokeInput&) = delete;
  bool active() const { return active_; }

 private:
  bool active_ = false;
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

class StopOrInput {
 public:
  StopOrInput();
  ~StopOrInput();
  enum class Event {
    kLine,        // a full line, in `line`
    kTyping,      // input arrived (or was erased) without finishing a line; `line` holds the unfinished text
    kEndOfInput,
    kStopSignal,
    kTimeout
  };
  // Waits for a full line on stdin (returned in `line`), typing, end of input, or a stop signal.
  Event next(std::string& line, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
             bool watch_stdin = true);
  // The terminal sends keystrokes (KeystrokeInput is active): edit the line here and echo erasures.
  void edit_keystrokes(bool on) { keystrokes_ = on; }

 private:
  // Adds input bytes to the buffer, applying the editing keys in keystroke mode.
  void take(const char* data, size_t size);

  int signal_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  bool keystrokes_ = false;
};

}  // namespace parley::cli
