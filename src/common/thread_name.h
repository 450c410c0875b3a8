#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace ninevolt::common {

// Names the calling thread (what `top -H`, `ps -L`, gdb and /proc/<pid>/task/*/comm show),
// so that an operator can tell a member's threads apart: "9v-cluster", "9v-worker-0",
// "9v-watch", ... The kernel keeps 15 bytes; a longer name is cut there.
void nameThisThread(std::string_view name);

// The calling thread's name ("" if it cannot be read).
std::string thisThreadName();

// Renames the calling thread for its lifetime, then restores the old name. A new thread
// starts with its creator's name, so this names the threads of a pool we do not start
// ourselves (boost::asio::thread_pool has no per-thread start hook).
class ScopedThreadName {
 public:
  explicit ScopedThreadName(std::string_view name) : before_(thisThreadName()) {
    nameThisThread(name);
  }
  ~ScopedThreadName() { nameThisThread(before_); }
  ScopedThreadName(const ScopedThreadName&) = delete;
  ScopedThreadName& operator=(const ScopedThreadName&) = delete;

 private:
  std::string before_;
};

// Constructs a T whose constructor starts threads (a thread pool) so that they are named
// `name`. Works for types that cannot be moved: the result is built in place.
template <typename T, typename... Args>
T constructNamed(std::string_view name, Args&&... args) {
  ScopedThreadName scoped(name);
  return T(std::forward<Args>(args)...);
}

}  // namespace ninevolt::common
