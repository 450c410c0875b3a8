#include "common/thread_name.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace ninevolt::common {
namespace {

std::string nameSetIn(const std::string& name) {
  std::string seen;
  std::thread t([&] {
    nameThisThread(name);
    seen = thisThreadName();
  });
  t.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThread) {
  EXPECT_EQ(nameSetIn("9v-worker-0"), "9v-worker-0");
}

TEST(ThreadName, ALongNameIsCutToTheKernelsFifteenBytes) {
  // pthread_setname_np refuses a name over 15 bytes outright (ERANGE, the old name stays);
  // the helper cuts it instead.
  EXPECT_EQ(nameSetIn("9v-a-much-longer-name"), "9v-a-much-longe");
}

TEST(ThreadName, OtherThreadsKeepTheirNames) {
  const std::string before = thisThreadName();
  nameSetIn("9v-other");
  EXPECT_EQ(thisThreadName(), before);
}

// A thread starts with its creator's name: a pool built under a ScopedThreadName has it, and
// the creator gets its own name back.
TEST(ThreadName, ThreadsStartedInAScopeTakeItsName) {
  std::string seen;
  std::string inside;
  const std::string before = thisThreadName();
  {
    ScopedThreadName scoped("9v-pool");
    inside = thisThreadName();
    std::thread t([&] { seen = thisThreadName(); });
    t.join();
  }
  EXPECT_EQ(inside, "9v-pool");
  EXPECT_EQ(seen, "9v-pool");
  EXPECT_EQ(thisThreadName(), before);
}

}  // namespace
}  // namespace ninevolt::common
