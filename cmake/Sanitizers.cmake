# Sanitizer and fuzzing builds (tests/README.md "Sanitizers", fuzz/README.md).
#
# NINEVOLT_SANITIZE=address,undefined   AddressSanitizer + UndefinedBehaviorSanitizer
#                                       (`make test-asan`, build-asan/)
# NINEVOLT_SANITIZE=thread              ThreadSanitizer (`make test-tsan`, build-tsan/)
# NINEVOLT_FUZZ=ON                      clang only: coverage for libFuzzer on every object;
#                                       fuzz/ links its targets with libFuzzer's main
#                                       (`make fuzz`, build-fuzz/, with address,undefined)
#
# Every object of the project is instrumented; Debian's libraries (gRPC, protobuf, abseil,
# Boost, libcurl, ...) are not. That is enough for ASan and UBSan. ThreadSanitizer sees
# synchronisation inside uninstrumented code only through the pthread and atomic calls it
# intercepts; what it cannot see is suppressed in tests/tsan.supp, each entry with its reason.
# A UBSan finding fails the test (no recovery), as an ASan one does.
set(NINEVOLT_SANITIZE "" CACHE STRING
    "sanitizers to build with: address,undefined | thread | empty for none")
option(NINEVOLT_FUZZ "build the fuzz targets for libFuzzer (clang)" OFF)

# How much slower the tests run in this build: test timeouts (ctest's and the tests' own
# generous deadlines, tests/support/slowdown.h) are multiplied by it. ThreadSanitizer runs
# our code 5-15x slower; the 9volt servers the tests start are instrumented too.
set(NINEVOLT_TEST_SLOWDOWN 1)
if(NINEVOLT_SANITIZE MATCHES "thread")
  set(NINEVOLT_TEST_SLOWDOWN 5)
elseif(NINEVOLT_SANITIZE)
  set(NINEVOLT_TEST_SLOWDOWN 3)
endif()

if(NINEVOLT_SANITIZE)
  if(NINEVOLT_SANITIZE MATCHES "thread" AND NINEVOLT_SANITIZE MATCHES "address")
    message(FATAL_ERROR "NINEVOLT_SANITIZE: thread cannot be combined with address")
  endif()
  if(NINEVOLT_FUZZ)
    set(_nv_debug -g)  # a fuzzer's crash is debugged in this build
  else()
    set(_nv_debug -g1)  # line tables for the reports' stack traces, at a fraction of -g's cost
  endif()
  add_compile_options(-fsanitize=${NINEVOLT_SANITIZE} -fno-omit-frame-pointer ${_nv_debug})
  add_link_options(-fsanitize=${NINEVOLT_SANITIZE})
  if(NINEVOLT_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
    # For the few tests that cannot run under UBSan (they take away what its runtime needs).
    add_compile_definitions(NINEVOLT_SANITIZE_UNDEFINED=1)
  endif()
endif()

if(NINEVOLT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NINEVOLT_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
