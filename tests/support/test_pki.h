// A throwaway certificate authority for TLS tests, made with the `openssl` command in a temporary directory:
// a CA certificate, and server certificates for "localhost" and 127.0.0.1 signed by it.
#pragma once

#include <string>

namespace parley::testing {

class TestPki {
 public:
  TestPki();  // creates the directory and the CA (ca.pem); fails the current test when openssl does
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Issues a server certificate with serial number `serial` into <name>.pem and its key into <name>.key
  // (overwriting them).
  void issue(const std::string& name, int serial);

  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  std::string ca_file() const { return path("ca.pem"); }
  std::string cert_file(const std::string& name) const { return path(name + ".pem"); }
  std::string key_file(const std::string& name) const { return path(name + ".key"); }

 private:
  void openssl(const std::string& arguments);

  std::string dir_;
};

}  // namespace parley::testing
