#include "common/memory.h"

#include <malloc.h>

namespace ninevolt::common {

void releaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace ninevolt::common
