# Precompiled headers (-DNINEVOLT_PCH=ON, the default): the third-party headers most of our
# translation units include are parsed once per build instead of once per file.
#
# Why: a cold build (what CI and a fresh clone pay) spent most of its time parsing the same
# headers (asio, nlohmann/json, gtest/gmock, fmt, spdlog: 3-5 s each per file) in ~250
# files on 2 cores. README.md, "Build and test times", has the before/after figures.
#
# Two precompiled headers, each built once in a small host target and reused by every
# target of its kind. A precompiled header only fits a file compiled with the same defines
# and flags (-pthread's _REENTRANT, spdlog's SPDLOG_FMT_EXTERNAL, ...), so the host and
# every user link the same interface library of the headers' packages (nv_pch_deps or
# nv_pch_test_deps), which adds nothing to a program that links our components anyway:
#   nv_pch_src    components (src/), bench, fuzz support
#   nv_pch_tests  test binaries: the above plus gtest and gmock
# GCC checks that a precompiled header fits the file that uses it and, with -Winvalid-pch
# (CMake adds it), warns and parses the headers instead if it does not: the build is right
# either way, only slower. The headers themselves are listed in cmake/pch/*.h.
option(NINEVOLT_PCH "precompile the common third-party headers (faster cold builds)" ON)

# Every target gets the same Boost define, so that one precompiled header fits them all.
add_compile_definitions(BOOST_ALL_NO_LIB)

if(NINEVOLT_PCH)
  add_library(nv_pch_deps INTERFACE)
  target_link_libraries(nv_pch_deps INTERFACE fmt::fmt spdlog::spdlog
                        nlohmann_json::nlohmann_json Boost::boost tl::expected)
  # -pthread defines _REENTRANT; most of our targets get it from gRPC's or protobuf's
  # interface, so every user of the precompiled header gets it here.
  target_compile_options(nv_pch_deps INTERFACE -pthread)
  add_library(nv_pch_src OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch/anchor.cc)
  target_link_libraries(nv_pch_src PRIVATE nv_pch_deps)
  target_precompile_headers(nv_pch_src PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch/src.h)
endif()

# nv_use_pch(target src|tests)
function(nv_use_pch target kind)
  if(NOT NINEVOLT_PCH)
    return()
  endif()
  if(kind STREQUAL "tests")
    if(NOT TARGET nv_pch_tests)
      # Made here, at the first test target: GTest's imported targets exist from tests/ on.
      add_library(nv_pch_test_deps INTERFACE)
      target_link_libraries(nv_pch_test_deps INTERFACE nv_pch_deps GTest::gtest GTest::gmock)
      add_library(nv_pch_tests OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch/anchor.cc)
      target_link_libraries(nv_pch_tests PRIVATE nv_pch_test_deps)
      target_precompile_headers(nv_pch_tests PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch/tests.h)
    endif()
    target_link_libraries(${target} PRIVATE nv_pch_test_deps)
    target_precompile_headers(${target} REUSE_FROM nv_pch_tests)
  else()
    target_link_libraries(${target} PRIVATE nv_pch_deps)
    target_precompile_headers(${target} REUSE_FROM nv_pch_src)
  endif()
endfunction()
