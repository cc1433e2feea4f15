// Tells the other members of a chat that this user is typing, from what is on the input line: "typing" when text
// appears (repeated every few seconds while it keeps changing, as the server's typing events expire after 6 s),
// "stopped" when the line is sent, erased, or left alone for a while. Best effort: offline, nothing is sent.
#pragma once

#include <chrono>
#include <string>

#include "parley/client.h"

namespace parley::cli {

class TypingReporter {
 public:
  static constexpr std::chrono::milliseconds kIdleCheck{1000};  // how often the chat loop calls idle()
  static constexpr std::chrono::seconds kRepeat{3};             // "still typing" at most this often
  static constexpr std::chrono::seconds kIdleStop{5};           // no keystroke for this long: "stopped"

  TypingReporter(Client& client, std::string conversation_id)
      : client_(client), conversation_id_(std::move(conversation_id)) {}
  ~TypingReporter() { input(""); }

  // The unfinished line changed (empty: sent or erased).
  void input(const std::string& unfinished) {
    auto now = std::chrono::steady_clock::now();
    if (unfinished.empty()) {
      if (typing_) send(false);
      return;
    }
    last_input_ = now;
    if (!typing_ || now - last_sent_ >= kRepeat) send(true);
  }
  // Called when no input arrived for kIdleCheck.
  void idle() {
    if (typing_ && std::chrono::steady_clock::now() - last_input_ >= kIdleStop) send(false);
  }

 private:
  void send(bool typing) {
    typing_ = typing;
    last_sent_ = std::chrono::steady_clock::now();
    client_.set_typing(conversation_id_, typing, nullptr);
  }

  Client& client_;
  std::string conversation_id_;
  bool typing_ = false;
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point last_input_{};
};

}  // namespace parley::cli
