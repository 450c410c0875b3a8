#pragma once

namespace ninevolt::common {

// Hands the heap's free pages back to the kernel (glibc malloc_trim). Call after a large
// read has been processed and dropped (a whole prefix of 100,000 monitors is tens of MB):
// glibc keeps freed memory in its arenas, so without this the peak of a cold start stays in
// the process's RSS for good. Costs a walk of the heap: not for hot paths.
void releaseFreedMemory();

// Sets glibc's allocator for a long-running server, first thing in main() (before any thread
// starts): at most 2 arenas, and a fixed mmap threshold of 256 KiB. glibc gives each thread
// that allocates an arena of its own, up to 8 per core, and a member has ~25 threads (etcd
// watches, gRPC, engine workers): freed memory sat in each arena separately. And glibc
// raises the mmap threshold to the size of the largest block freed (up to 32 MiB), so after
// one large etcd response every later one came from the heap and stayed there.
// Measured (bench/README.md, "Third round"): members of a 10-member cluster at 100,000
// checks, anonymous RSS 19-34 MiB -> 16-20 MiB. A GLIBC_TUNABLES naming glibc.malloc wins.
void tuneAllocator();

}  // namespace ninevolt::common
