#include "common/post_batch.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>

namespace parley {
namespace {

TEST(PostBatch, OneHandlerPerExecutorInOrder) {
  boost::asio::io_context a, b;
  std::string ran_a, ran_b;
  {
    PostBatch batch;
    for (int i = 0; i < 5; ++i) {
      PostBatch::post(a.get_executor(), [&, i] { ran_a += std::to_string(i); });
      PostBatch::post(b.get_executor(), [&, i] { ran_b += std::to_string(i); });
    }
    EXPECT_EQ(a.poll(), 0u);  // nothing is posted while the batch is open
    a.restart();
  }
  EXPECT_EQ(a.run(), 1u);  // five functions, one wake-up
  EXPECT_EQ(b.run(), 1u);
  EXPECT_EQ(ran_a, "01234");
  EXPECT_EQ(ran_b, "01234");
}

TEST(PostBatch, PostsDirectlyWithoutABatch) {
  boost::asio::io_context a;
  int ran = 0;
  PostBatch::post(a.get_executor(), [&] { ++ran; });
  PostBatch::post(a.get_executor(), [&] { ++ran; });
  EXPECT_EQ(a.run(), 2u);
  EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace parley
