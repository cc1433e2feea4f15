#include "test_pki.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::testing {

TestPki::TestPki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "parley-pki-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
  dir_ = pattern;
  std::ofstream(path("server.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                    << "extendedKeyUsage=serverAuth\n";
  openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=Parley Test CA' "
          "-keyout ca.key -out ca.pem");
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TestPki::issue(const std::string& name, int serial) {
  openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=localhost' -keyout " + name +
          ".key -out " + name + ".csr");
  openssl("x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -set_serial " + std::to_string(serial) +
          " -days 2 -extfile server.ext -out " + name + ".pem");
}

void TestPki::openssl(const std::string& arguments) {
  const std::string command = "cd '" + dir_ + "' && openssl " + arguments + " > openssl.log 2>&1";
  if (std::system(command.c_str()) == 0) return;
  std::ifstream log(path("openssl.log"));
  std::stringstream text;
  text << log.rdbuf();
  ADD_FAILURE() << "openssl " << arguments << " failed:\n" << text.str();
  throw std::runtime_error("openssl failed");
}

}  // namespace parley::testing
