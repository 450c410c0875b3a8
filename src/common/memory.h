#pragma once

namespace ninevolt::common {

// Hands the heap's free pages back to the kernel (glibc malloc_trim). Call after a large
// read has been processed and dropped (a whole prefix of 100,000 monitors is tens of MB):
// glibc keeps freed memory in its arenas, so without this the peak of a cold start stays in
// the process's RSS for good. Costs a walk of the heap: not for hot paths.
void releaseFreedMemory();

}  // namespace ninevolt::common
