#pragma once

// The check types of this build (NINEVOLT_CHECK_TYPES, src/checks/CMakeLists.txt), for a test
// file that covers several types or runs checks of one: nv_test_check_types(<target>)
// (tests/CMakeLists.txt) gives its target NINEVOLT_BUILT_CHECK_TYPES and
// NINEVOLT_ALL_CHECK_TYPES ("http,tcp"), and a test that needs a type the build lacks skips,
// naming it: NV_REQUIRE_CHECK_TYPES("dns", "exec") in the test's body or its fixture's SetUp().

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#if !defined(NINEVOLT_BUILT_CHECK_TYPES) || !defined(NINEVOLT_ALL_CHECK_TYPES)
#error "support/check_types.h: add nv_test_check_types(<target>) to the test's CMakeLists.txt"
#endif

namespace ninevolt::testing {

inline std::vector<std::string> splitCheckTypes(std::string_view list) {
  std::vector<std::string> types;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (comma != 0) {
      types.emplace_back(list.substr(0, comma));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return types;
}

// The types this build has, in NV_ALL_CHECK_TYPES order when it has them all.
inline std::vector<std::string> builtCheckTypes() {
  return splitCheckTypes(NINEVOLT_BUILT_CHECK_TYPES);
}

inline bool checkTypeBuilt(std::string_view type) {
  for (const auto& t : builtCheckTypes()) {
    if (t == type) {
      return true;
    }
  }
  return false;
}

// Every type 9volt has (NV_ALL_CHECK_TYPES) that this build lacks.
inline std::vector<std::string> checkTypesNotBuilt() {
  std::vector<std::string> missing;
  for (const auto& t : splitCheckTypes(NINEVOLT_ALL_CHECK_TYPES)) {
    if (!checkTypeBuilt(t)) {
      missing.push_back(t);
    }
  }
  return missing;
}

// Those of `types` this build lacks, as "'dns', 'exec'" ("" when it has them all).
inline std::string missingCheckTypes(std::initializer_list<std::string_view> types) {
  std::string missing;
  for (std::string_view t : types) {
    if (!checkTypeBuilt(t)) {
      missing += (missing.empty() ? "'" : ", '") + std::string(t) + "'";
    }
  }
  return missing;
}

}  // namespace ninevolt::testing

// Skips the test (from its body or SetUp()) unless the build has every type named.
#define NV_REQUIRE_CHECK_TYPES(...)                                                           \
  do {                                                                                        \
    if (const std::string nv_missing = ::ninevolt::testing::missingCheckTypes({__VA_ARGS__}); \
        !nv_missing.empty()) {                                                                \
      GTEST_SKIP() << "needs check type " << nv_missing                                       \
                   << ", which this build lacks (it has " NINEVOLT_BUILT_CHECK_TYPES ")";     \
    }                                                                                         \
  } while (false)

// A fixture for a suite of one type's tests (TEST_F(Dns, ...)): each skips without the type.
#define NV_CHECK_TYPE_SUITE(Suite, type)                    \
  class Suite : public ::testing::Test {                    \
   protected:                                               \
    void SetUp() override { NV_REQUIRE_CHECK_TYPES(type); } \
  }
