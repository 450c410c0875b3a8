// The fuzz targets' main() in the normal build (fuzz/README.md): feeds every file named on
// the command line (or found under a directory named there) to LLVMFuzzerTestOneInput once,
// as `fuzz_x -runs=0 corpus/` would, so that `make test` keeps the targets building and
// their corpora passing without clang. Quiet unless an input crashes or breaks an
// invariant: then a signal handler names that input before the process dies.
//
// --check-balance (the ctest test): then a second pass over the same inputs, in which every
// run must free as many blocks as it allocates (operator new / delete, counted here).
// libFuzzer runs every input that allocates more than it frees a second time, and scans the
// whole heap for leaks when the second run does too: state kept from one run to the next
// (a world not put back to its seed, a cache or set that grows by input) costs every such
// run. The first pass makes what is made once per process (function statics first reached
// by some input). Not in sanitizer builds: their runtime owns the allocator.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NV_REPLAY_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) \
    || __has_feature(memory_sanitizer)
#define NV_REPLAY_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef NV_REPLAY_COUNTS_ALLOCATIONS
#define NV_REPLAY_COUNTS_ALLOCATIONS 1
#endif

namespace {

char current[4096];  // the input being run, for the signal handler

// Blocks allocated and freed through the global operator new / delete (the other forms of
// both, array, sized and nothrow, call these two in libstdc++), on every thread.
std::atomic<uint64_t> allocated{0};
std::atomic<uint64_t> freed{0};

void onFatalSignal(int sig) {
  const char head[] = "\nreplay: this input failed: ";
  (void)!write(STDERR_FILENO, head, sizeof head - 1);
  (void)!write(STDERR_FILENO, current, strnlen(current, sizeof current));
  (void)!write(STDERR_FILENO, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

#if NV_REPLAY_COUNTS_ALLOCATIONS
void* operator new(std::size_t size) {
  allocated.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  if (p != nullptr) {
    freed.fetch_add(1, std::memory_order_relaxed);
    std::free(p);
  }
}
#endif

int main(int argc, char** argv) {
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    std::signal(sig, onFatalSignal);
  }
  if (LLVMFuzzerInitialize != nullptr) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  bool check_balance = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check-balance") == 0) {
      check_balance = NV_REPLAY_COUNTS_ALLOCATIONS != 0;
      continue;
    }
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) {
          files.push_back(e.path());
        }
      }
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files (usage: %s FILE|DIR...)\n", argv[0]);
    return 2;
  }
  std::vector<std::vector<uint8_t>> inputs;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
      return 2;
    }
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::snprintf(current, sizeof current, "%s (%zu bytes)", files[i].c_str(), inputs[i].size());
    LLVMFuzzerTestOneInput(inputs[i].data(), inputs[i].size());
  }
  size_t unbalanced = 0;
  for (size_t i = 0; check_balance && i < files.size(); ++i) {
    std::snprintf(current, sizeof current, "%s (%zu bytes, second pass)", files[i].c_str(),
                  inputs[i].size());
    const uint64_t a0 = allocated.load();
    const uint64_t f0 = freed.load();
    LLVMFuzzerTestOneInput(inputs[i].data(), inputs[i].size());
    const uint64_t a = allocated.load() - a0;
    const uint64_t f = freed.load() - f0;
    if (a > f) {
      if (++unbalanced <= 10) {
        std::fprintf(stderr,
                     "replay: %s allocated %llu blocks and freed %llu (libFuzzer runs it "
                     "again to look for a leak)\n",
                     files[i].c_str(), static_cast<unsigned long long>(a),
                     static_cast<unsigned long long>(f));
      }
    }
  }
  if (unbalanced > 0) {
    std::fprintf(stderr, "replay: %zu of %zu input(s) kept blocks past their run\n", unbalanced,
                 files.size());
    return 1;
  }
  std::printf("replay: %zu input(s) passed%s\n", files.size(),
              check_balance ? ", each freed what it allocated" : "");
  return 0;
}
