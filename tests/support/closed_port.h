#pragma once

#include <cstdint>

namespace ninevolt::testing {

// A port on 127.0.0.1 that refuses connections for as long as this lives: bound, never
// listening, so nothing started later (an etcd, a server picking its own free port) can take
// it. (A freePort() meant to stay closed was once taken by the test's own etcd.)
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace ninevolt::testing
