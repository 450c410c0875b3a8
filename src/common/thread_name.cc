#include "common/thread_name.h"

#include <pthread.h>

namespace ninevolt::common {

void nameThisThread(std::string_view name) {
  std::string cut(name.substr(0, 15));  // the kernel's limit (16 with the NUL)
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::string thisThreadName() {
  char buf[16] = {};
  if (pthread_getname_np(pthread_self(), buf, sizeof(buf)) != 0) {
    return {};
  }
  return buf;
}

}  // namespace ninevolt::common
