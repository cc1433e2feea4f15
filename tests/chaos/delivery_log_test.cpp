// The checker itself must catch what it is there to catch.
#include "delivery_log.h"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

const std::map<std::string, std::vector<std::string>> kMembers = {{"d:a:b", {"a/1", "b/1"}}};

// Two messages acked and seen by both devices.
void record_healthy(DeliveryLog& log) {
  log.acked("d:a:b", "m1", 1, false);
  log.acked("d:a:b", "m2", 2, false);
  for (const char* device : {"a/1", "b/1"}) {
    log.delivered(device, "d:a:b", 1, "m1");
    log.delivered(device, "d:a:b", 2, "m2");
  }
}

TEST(DeliveryChecker, AHealthyRunHasNoViolations) {
  DeliveryLog log;
  record_healthy(log);
  EXPECT_TRUE(log.check({{"d:a:b", {{1, "m1"}, {2, "m2"}}}}, kMembers).empty());
}

TEST(DeliveryChecker, AnAckedMessageMissingFromTheServerIsReported) {
  DeliveryLog log;
  record_healthy(log);
  auto v = log.check({{"d:a:b", {{1, "m1"}}}}, kMembers);
  ASSERT_FALSE(v.empty());
  EXPECT_NE(v.front().find("acked m2"), std::string::npos) << v.front();
}

TEST(DeliveryChecker, GapsAndMessagesStoredTwiceAreReported) {
  DeliveryLog log;
  record_healthy(log);
  auto v = log.check({{"d:a:b", {{1, "m1"}, {2, "m2"}, {4, "m2"}}}}, kMembers);
  std::string all;
  for (const auto& line : v) all += line + "\n";
  EXPECT_NE(all.find("seq 3 missing"), std::string::npos) << all;
  EXPECT_NE(all.find("m2 stored twice"), std::string::npos) << all;
}

TEST(DeliveryChecker, ADeviceThatLacksAMessageOrSawAnotherOrderIsReported) {
  DeliveryLog log;
  log.acked("d:a:b", "m1", 1, false);
  log.acked("d:a:b", "m2", 2, false);
  log.delivered("a/1", "d:a:b", 1, "m1");
  log.delivered("a/1", "d:a:b", 2, "m2");
  log.delivered("b/1", "d:a:b", 1, "m2");  // another order
  auto v = log.check({{"d:a:b", {{1, "m1"}, {2, "m2"}}}}, kMembers);
  std::string all;
  for (const auto& line : v) all += line + "\n";
  EXPECT_NE(all.find("b/1 has d:a:b seq 1 as m2"), std::string::npos) << all;
  EXPECT_NE(all.find("b/1 lacks d:a:b seq 2"), std::string::npos) << all;
}

TEST(DeliveryChecker, OneSeqGivenAsTwoMessagesIsReported) {
  DeliveryLog log;
  record_healthy(log);
  log.delivered("a/1", "d:a:b", 2, "other");
  log.acked("d:a:b", "m1", 5, true);  // a resend acked with another seq
  auto v = log.check({{"d:a:b", {{1, "m1"}, {2, "m2"}}}}, kMembers);
  std::string all;
  for (const auto& line : v) all += line + "\n";
  EXPECT_NE(all.find("a/1 got d:a:b seq 2 as m2 and as other"), std::string::npos) << all;
  EXPECT_NE(all.find("m1 acked as seq 1 and again as seq 5"), std::string::npos) << all;
}

}  // namespace
}  // namespace parley::testing
