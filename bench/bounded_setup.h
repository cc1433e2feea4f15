// Set-up of many clients with a bounded number in flight, for scenarios that drive their io_context from the
// calling thread (mixed, backpressure).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace parley::bench {

using StepDone = std::function<void(std::optional<std::string> error)>;

// Calls start(i, done) for i = 0 .. count-1, at most `concurrency` unfinished at a time, and runs `io` until
// every one has called done, one reported an error, or `deadline` passed. `progress(finished)` is called
// between polls when given. Returns the first error, or a timeout message; nullopt when all succeeded.
inline std::optional<std::string> run_bounded(boost::asio::io_context& io, size_t count, size_t concurrency,
                                              std::chrono::steady_clock::time_point deadline,
                                              std::function<void(size_t, StepDone)> start,
                                              const std::function<void(size_t)>& progress = nullptr) {
  using namespace std::chrono_literals;
  // Shared with the callbacks: after a failure or a timeout, steps still in flight may finish later.
  struct Run {
    std::function<void(size_t, StepDone)> start;
    std::optional<std::string> failure;
    size_t next = 0, active = 0, finished = 0;
  };
  auto run = std::make_shared<Run>();
  run->start = std::move(start);
  auto pump = std::make_shared<std::function<void()>>();
  *pump = [run, count, concurrency, weak = std::weak_ptr<std::function<void()>>(pump)] {
    while (!run->failure && run->active < concurrency && run->next < count) {
      ++run->active;
      run->start(run->next++, [run, weak](std::optional<std::string> error) {
        --run->active;
        ++run->finished;
        if (error && !run->failure) run->failure = std::move(error);
        if (auto again = weak.lock()) (*again)();
      });
    }
  };
  (*pump)();
  while (!run->failure && run->finished < count && std::chrono::steady_clock::now() < deadline) {
    io.run_for(50ms);
    if (progress) progress(run->finished);
  }
  if (run->failure) return run->failure;
  if (run->finished < count) {
    return "timed out after " + std::to_string(run->finished) + " of " + std::to_string(count);
  }
  return std::nullopt;
}

}  // namespace parley::bench
