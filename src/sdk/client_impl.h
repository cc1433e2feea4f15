// Client::Impl: the client thread, its io_context and the ClientCore living there. Shared by the files that
// implement Client's public methods (client.cpp and client_*.cpp, one per area).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "sdk/client_core.h"

namespace parley {

struct Client::Impl {
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<sdk::ClientCore> core;
  std::thread thread;
  std::thread::id thread_id;

  void post(std::function<void()> fn) { boost::asio::post(io, std::move(fn)); }

  // Runs `fn` on the client thread and returns its result; inline when already there.
  template <typename F>
  auto call(F&& fn) -> decltype(fn()) {
    if (std::this_thread::get_id() == thread_id) return fn();
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto result = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return result.get();
  }

  // A local read: storage failures become kErrorStorage.
  template <typename F>
  auto read(F&& fn) -> ClientResult<decltype(fn())> {
    return call([&]() -> ClientResult<decltype(fn())> {
      try {
        return fn();
      } catch (const sdk::StorageError& e) {
        return std::unexpected(ClientError{kErrorStorage, e.what()});
      }
    });
  }
};

namespace sdk {
// Builds a request on the caller's thread (the frame is a value) for Client::post_call.
template <typename Build>
v1::ClientFrame frame_with(Build build) {
  v1::ClientFrame frame;
  build(frame);
  return frame;
}
}  // namespace sdk

}  // namespace parley
