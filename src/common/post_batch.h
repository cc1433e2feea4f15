// Coalesces cross-thread posts. While a PostBatch is alive on a thread, post() calls made on that thread are
// collected and, when the batch ends, handed over as one handler per target executor, in their original
// order. The store's writer completes a whole group commit inside one PostBatch, so an I/O thread receives
// one wake-up per batch instead of one per ack and per event.
//
// Threading: a PostBatch belongs to the thread that created it; post() may be called from any thread (it
// posts directly when that thread has no active batch).
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace parley {

class PostBatch {
 public:
  PostBatch();
  ~PostBatch();  // flushes
  PostBatch(const PostBatch&) = delete;
  PostBatch& operator=(const PostBatch&) = delete;

  // Posts everything collected so far.
  void flush();

  // Runs `fn` on `executor`: collected into this thread's active batch if there is one, else posted now.
  static void post(const boost::asio::any_io_executor& executor, std::function<void()> fn);

 private:
  std::vector<std::pair<boost::asio::any_io_executor, std::vector<std::function<void()>>>> groups_;
  PostBatch* previous_;
};

}  // namespace parley
