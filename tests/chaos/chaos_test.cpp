// The delivery checker: many devices send into direct and group conversations while the server is killed
// (kill -9) and restarted, connections are cut mid-frame, devices stop reading, and the disk fills up and
// frees again. Afterwards every device must hold exactly the server's history of each of its conversations,
// every acked message must be in it once at the seq its ack gave, and seqs must be contiguous.
// CHAOS_SECONDS sets the length of the fault phase (default 30; `make chaos` runs longer), CHAOS_SEED the
// random schedule.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "chaos_device.h"
#include "delivery_log.h"
#include "fault_proxy.h"
#include "server_process.h"
#include "ws_client.h"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

std::string direct_id(const std::string& a, const std::string& b) { return "d:" + std::min(a, b) + ":" + std::max(a, b); }

// The server's data directory on a small tmpfs of its own, so that the disk can really fill up (ENOSPC).
// Mounting needs root; without it the disk-full fault is left out and the test says so.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& dir) : dir_(dir) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=48m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

  // Writes a ballast file until the file system refuses with ENOSPC.
  void fill() {
    FILE* f = std::fopen((dir_ + "/ballast").c_str(), "wb");
    if (!f) return;
    std::vector<char> chunk(64 * 1024, 'x');
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }
  void free() { fs::remove(dir_ + "/ballast"); }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// Pulls a conversation's whole history straight from the server (not through the proxy).
History server_history(uint16_t port, const std::string& token, const std::string& conversation) {
  WsClient c(port, protocol::Encoding::kBinary);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(token);
  EXPECT_FALSE(c.call(auth).has_error());
  History history;
  uint64_t after = 0;
  for (int page = 0; page < 10000; ++page) {
    v1::ClientFrame pull;
    pull.mutable_pull_messages()->set_conversation_id(conversation);
    pull.mutable_pull_messages()->set_after_seq(after);
    pull.mutable_pull_messages()->set_limit(500);
    auto answer = c.call(pull);
    if (!answer.has_pull_messages()) {
      ADD_FAILURE() << conversation << ": " << answer.ShortDebugString();
      break;
    }
    for (const auto& m : answer.pull_messages().messages()) {
      history.emplace(m.seq(), m.client_msg_id());
      after = m.seq();
    }
    if (answer.pull_messages().end()) break;
  }
  return history;
}

// A direct conversation exists from its first message: this sends it, so that every device can pull it.
void open_direct(uint16_t port, const std::string& token, const std::string& conversation) {
  WsClient c(port, protocol::Encoding::kBinary);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(token);
  EXPECT_FALSE(c.call(auth).has_error());
  v1::ClientFrame hello;
  hello.mutable_send_message()->set_conversation_id(conversation);
  hello.mutable_send_message()->set_client_msg_id("hello-" + conversation);
  hello.mutable_send_message()->set_text("hello");
  auto answer = c.call(hello);
  EXPECT_TRUE(answer.has_send_message()) << answer.ShortDebugString();
}

std::string create_group(uint16_t port, const std::string& token, const std::vector<std::string>& members) {
  WsClient c(port, protocol::Encoding::kBinary);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(token);
  EXPECT_FALSE(c.call(auth).has_error());
  v1::ClientFrame create;
  create.mutable_create_group()->set_name("chaos");
  for (const auto& m : members) create.mutable_create_group()->add_member_ids(m);
  auto answer = c.call(create);
  EXPECT_TRUE(answer.has_create_group()) << answer.ShortDebugString();
  return answer.create_group().conversation().conversation_id();
}

TEST(Chaos, EveryAckedMessageReachesEveryDeviceOnceInOrderDespiteFaults) {
  const auto fault_phase = std::chrono::seconds(env_number("CHAOS_SECONDS", 30));
  const auto seed = static_cast<uint32_t>(env_number("CHAOS_SEED", std::random_device{}()));
  std::cout << "chaos: seed " << seed << " (CHAOS_SEED=" << seed << " repeats the schedule)\n";
  std::mt19937 rng(seed);

  // A small slow-consumer limit so that a device that stops reading is cut off within a second or two; no
  // per-user send limit (the devices of one user send 120 messages/s together).
  ServerProcess server({"--requests-per-second", "100000", "--user-messages-per-second", "0", "--max-queued-bytes", "65536"});
  server.terminate();
  SmallDisk disk(server.data_dir());
  server.start();
  if (!disk.mounted()) std::cout << "chaos: cannot mount a tmpfs (not root?): the disk-full fault is left out\n";

  // Eight users, two of them with a second device; six direct conversations and two groups of six.
  const std::vector<std::string> users = {"ana", "ben", "cai", "dan", "eva", "fay", "gus", "hal"};
  std::map<std::string, std::vector<std::string>> devices_of;  // user -> device ids
  std::map<std::string, std::string> token_of;                 // "user/device" -> token
  for (const auto& u : users) {
    devices_of[u] = {"phone"};
    if (u == "ana" || u == "ben") devices_of[u].push_back("laptop");
    for (const auto& d : devices_of[u]) token_of[u + "/" + d] = admin_user_token(server.port(), u, d);
  }
  std::map<std::string, std::vector<std::string>> users_of;  // conversation -> users
  for (auto [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"ana", "ben"}, {"cai", "dan"}, {"eva", "fay"}, {"gus", "hal"}, {"ana", "fay"}, {"ben", "gus"}}) {
    users_of[direct_id(a, b)] = {a, b};
    open_direct(server.port(), token_of[a + "/phone"], direct_id(a, b));
  }
  users_of[create_group(server.port(), token_of["ana/phone"], {"ben", "cai", "dan", "eva", "fay"})] = {
      "ana", "ben", "cai", "dan", "eva", "fay"};
  users_of[create_group(server.port(), token_of["cai/phone"], {"dan", "eva", "fay", "gus", "hal"})] = {
      "cai", "dan", "eva", "fay", "gus", "hal"};
  ASSERT_FALSE(HasFailure());

  FaultProxy proxy(server.port());
  DeliveryLog log;
  std::map<std::string, std::vector<std::string>> members;  // conversation -> device names
  std::vector<std::unique_ptr<ChaosDevice>> devices;
  for (const auto& u : users) {
    std::vector<std::string> mine;
    for (const auto& [conversation, who] : users_of) {
      if (std::find(who.begin(), who.end(), u) != who.end()) mine.push_back(conversation);
    }
    for (const auto& d : devices_of[u]) {
      for (const auto& c : mine) members[c].push_back(u + "/" + d);
      auto encoding = devices.size() % 2 ? protocol::Encoding::kJson : protocol::Encoding::kBinary;
      devices.push_back(std::make_unique<ChaosDevice>(u, d, token_of[u + "/" + d], mine, proxy.port(), encoding,
                                                      log, rng()));
    }
  }
  for (auto& d : devices) d->start();

  // The fault schedule. The pauses between faults are the schedule itself, not a wait for something.
  size_t kills = 0, cuts = 0, cut_connections = 0, stalls = 0, disk_fulls = 0, disk_full_refusals = 0;
  const auto started = std::chrono::steady_clock::now();
  bool disk_due = disk.mounted();
  while (std::chrono::steady_clock::now() - started < fault_phase) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(700, 2500)(rng)));
    if (disk_due && std::chrono::steady_clock::now() - started > fault_phase / 2) {
      disk_due = false;
      ++disk_fulls;
      const size_t before = log.refusals();
      disk.fill();
      // Sends go on; the server must start refusing them (and keep serving) rather than ack what it cannot save.
      auto deadline = std::chrono::steady_clock::now() + 20s;
      while (log.refusals() == before && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
      }
      disk_full_refusals = log.refusals() - before;
      disk.free();
      continue;
    }
    switch (rng() % 3) {
      case 0:
        server.kill9();
        server.start();
        proxy.set_target(server.port());
        ++kills;
        break;
      case 1:
        cut_connections += proxy.cut_all();
        ++cuts;
        break;
      default:
        devices[rng() % devices.size()]->stall(1500ms);
        ++stalls;
        break;
    }
  }

  // Quiesce: everything still pending is sent, one more crash, then every device syncs once more.
  auto left = [deadline = std::chrono::steady_clock::now() + 90s] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  for (auto& d : devices) d->stop_sending();
  for (auto& d : devices) EXPECT_TRUE(d->wait_outbox_empty(left())) << "could not get its messages acked: " << d->describe();
  server.kill9();
  server.start();
  proxy.set_target(server.port());
  ++kills;
  for (auto& d : devices) EXPECT_TRUE(d->final_sync(left())) << "could not sync: " << d->describe();
  size_t connections = 0;
  for (auto& d : devices) {
    d->stop();
    connections += d->connections();
  }

  std::map<std::string, History> histories;
  for (const auto& [conversation, who] : users_of) {
    histories[conversation] = server_history(server.port(), token_of[who.front() + "/phone"], conversation);
  }
  auto violations = log.check(histories, members);
  auto figures = log.figures();
  size_t messages = 0;
  for (const auto& [conversation, history] : histories) messages += history.size();
  std::cout << "chaos: " << fault_phase.count() << " s of faults: " << kills << " kill -9 + restart, " << cuts
            << " cuts (" << cut_connections << " connections), " << stalls << " stalled readers, " << disk_fulls
            << " disk full (" << disk_full_refusals << " sends refused meanwhile); " << connections
            << " connections by " << devices.size() << " devices\n"
            << "chaos: " << figures.acks << " messages acked (" << figures.duplicate_acks << " resends recognised, "
            << figures.refusals << " refusals), " << messages << " messages in " << histories.size()
            << " conversations checked on every member device, " << figures.deliveries
            << " deliveries recorded; violations: " << violations.size() << "\n";
  for (const auto& [reason, count] : log.refusal_reasons()) {
    std::cout << "chaos: refused " << count << "x " << reason << "\n";
    EXPECT_TRUE(reason.starts_with("UNAVAILABLE")) << "a send was refused for a reason a retry cannot fix: " << reason;
  }
  for (const auto& v : violations) ADD_FAILURE() << v;
  EXPECT_GT(figures.acks, 100u) << "too little traffic to prove anything";
  EXPECT_GE(kills, 1u);
  if (disk.mounted()) {
    EXPECT_GT(disk_full_refusals, 0u) << "a full disk never made a send fail";
  }
}

}  // namespace
}  // namespace parley::testing
