// `parley send --file` end to end: a real parleyd and real parley processes; the file is uploaded with a
// progress bar, sent as an image message, and the recipient's history shows it.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "server_process.h"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs parley with `args` (shell-quoted by the caller), stdin closed; stdout and stderr captured.
Run parley(const fs::path& home, uint16_t port, const std::string& args, const fs::path& scratch) {
  fs::path err_file = scratch / "stderr.txt";
  std::string cmd = std::string(PARLEY_CLI_PATH) + " --home " + home.string() + " --server ws://127.0.0.1:" +
                    std::to_string(port) + "/v1/ws --timeout 20 " + args + " </dev/null 2>" + err_file.string();
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

TEST(CliSendFile, UploadsWithProgressAndSendsAnImage) {
  ServerProcess server;
  char tmpl[] = "/tmp/parley-cli-file-XXXXXX";
  fs::path tmp = ::mkdtemp(tmpl);
  fs::path png = tmp / "holiday.png";
  ASSERT_EQ(std::system(("vips gaussnoise " + png.string() + " 640 480 >/dev/null 2>&1").c_str()), 0);

  auto r = parley(tmp / "alice", server.port(), "register alice --password alice-pass-1", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  r = parley(tmp / "bob", server.port(), "register bob --password bob-pass-123", tmp);
  ASSERT_EQ(r.code, 0) << r.err;

  r = parley(tmp / "alice", server.port(), "send --file " + png.string() + " bob look at this", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sent holiday.png (image/png 640x480"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("100%"), std::string::npos) << "a progress bar: " << r.err;
  EXPECT_NE(r.err.find("[####"), std::string::npos) << r.err;

  r = parley(tmp / "bob", server.port(), "history alice --json", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("IMAGE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("holiday.png"), std::string::npos) << r.out;

  // A file that is not there, and a text-less send without --file, fail clearly.
  r = parley(tmp / "alice", server.port(), "send --file " + (tmp / "missing.png").string() + " bob", tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is not a file"), std::string::npos) << r.err;
  r = parley(tmp / "alice", server.port(), "send bob", tmp);
  EXPECT_EQ(r.code, 2);

  std::error_code ec;
  fs::remove_all(tmp, ec);
}

}  // namespace
}  // namespace parley::testing
