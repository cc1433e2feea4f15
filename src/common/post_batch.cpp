#include "common/post_batch.h"

#include <boost/asio/post.hpp>

#include <exception>

namespace parley {
namespace {
thread_local PostBatch* active_batch = nullptr;
}  // namespace

PostBatch::PostBatch() : previous_(active_batch) { active_batch = this; }

PostBatch::~PostBatch() {
  try {
    flush();
  } catch (...) {
    std::terminate();  // out of memory: an unposted batch would silently strand acks and events
  }
  active_batch = previous_;
}

void PostBatch::flush() {
  for (auto& [executor, fns] : groups_) {
    boost::asio::post(executor, [fns = std::move(fns)]() {
      for (const auto& fn : fns) fn();
    });
  }
  groups_.clear();
}

void PostBatch::post(const boost::asio::any_io_executor& executor, std::function<void()> fn) {
  PostBatch* batch = active_batch;
  if (!batch) return boost::asio::post(executor, std::move(fn));
  for (auto& [target, fns] : batch->groups_) {
    if (target == executor) {
      fns.push_back(std::move(fn));
      return;
    }
  }
  batch->groups_.emplace_back(executor, std::vector<std::function<void()>>{});
  batch->groups_.back().second.push_back(std::move(fn));
}

}  // namespace parley
