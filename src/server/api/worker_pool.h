// Threads for blocking work (store reads, password hashing), so that I/O threads never block. Bounded: when
// `max_queued` tasks are waiting, submit() refuses and the caller answers UNAVAILABLE.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>

namespace parley::server {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued) : pool_(threads), max_queued_(max_queued) {}
  ~WorkerPool() { stop(); }

  // False (and `task` dropped unrun) when the queue is full.
  [[nodiscard]] bool submit(std::function<void()> task) {
    if (queued_.fetch_add(1) >= max_queued_) {
      queued_.fetch_sub(1);
      return false;
    }
    boost::asio::post(pool_, [this, task = std::move(task)] {
      queued_.fetch_sub(1);
      task();
    });
    return true;
  }

  void stop() {
    pool_.join();
  }

 private:
  boost::asio::thread_pool pool_;
  std::atomic<size_t> queued_{0};
  size_t max_queued_;
};

}  // namespace parley::server
