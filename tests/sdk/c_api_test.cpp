// Runs the C scenario (c_api_scenario.c, which sees only parley.h) against a real parleyd.
#include <gtest/gtest.h>

#include "c_api_scenario.h"
#include "sdk_test_support.h"
#include "server_process.h"

namespace parley::testing {
namespace {

TEST(SdkCApi, ACProgramLogsInSendsAndReceives) {
  ServerProcess server;
  TempDir dir;
  std::string alice = admin_user_token(server.port(), "alice", "a1");
  std::string bob = admin_user_token(server.port(), "bob", "b1");
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws";
  char failure[512] = {0};
  EXPECT_EQ(parley_c_scenario(url.c_str(), dir.path().c_str(), alice.c_str(), bob.c_str(), failure, sizeof failure), 0)
      << failure;
}

}  // namespace
}  // namespace parley::testing
