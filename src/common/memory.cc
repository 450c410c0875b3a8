#include "common/memory.h"

#include <cstdlib>
#include <cstring>

#include <malloc.h>

namespace ninevolt::common {

void releaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void tuneAllocator() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    return;  // the operator's own settings
  }
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

}  // namespace ninevolt::common
