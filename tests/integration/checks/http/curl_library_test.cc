// libcurl is opened by the first http run that needs it, not by linking (curl_library.h): a
// process with no http check, or only plain http ones (plain_client.h), never maps it. Its
// own binary, so no other test has loaded libcurl before.
#include "curl_library/curl_library.h"

#include <chrono>

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/http/http_check.h"
#include "config/spec.h"

namespace ninevolt::checks::http {
namespace {

using curl::curlLibrary;
using curl::openCurlLibrary;

using ::testing::HasSubstr;

// True when the library is already in the process (RTLD_NOLOAD never loads it).
bool mapped(const char* soname) {
  void* handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) {
    return false;
  }
  dlclose(handle);
  return true;
}

config::MonitorSpec httpSpec(bool ssl) {
  config::Problems problems;
  auto spec = config::parseMonitor(
      "web",
      {{"type", "http"}, {"host", "127.0.0.1"}, {"port", 9}, {"ssl", ssl}, {"interval", "30s"}},
      problems);
  EXPECT_TRUE(spec) << (problems.empty() ? "" : problems.front().toString());
  return spec.value_or(config::MonitorSpec{});
}

// One test, in this order: the factory maps nothing, nor does a plain http check's run; the
// first run that needs curl (https) maps libcurl.
TEST(CurlLibraryTest, LoadedByTheFirstCurlRunNotByTheFactory) {
  ASSERT_FALSE(mapped("libcurl.so.4")) << "this test binary links libcurl";
  // libssl may be here from the start: the linker can pull the etcd client (and gRPC, which
  // needs libssl) into this binary for a weak std::string member gtest refers to, depending
  // on the order of the archives. What matters is that the factory does not load it.
  const bool ssl_at_start = mapped("libssl.so.3");
  auto factory = makeHttpCheckFactory();
  EXPECT_FALSE(mapped("libcurl.so.4"));
  EXPECT_EQ(mapped("libssl.so.3"), ssl_at_start);

  boost::asio::io_context io;
  auto plain = factory->create(httpSpec(false), io);
  bool done = false;
  plain->start([&](CheckResult) { done = true; });
  io.run_for(std::chrono::seconds(5));  // returns when the run is over (port 9: refused)
  EXPECT_TRUE(done);
  EXPECT_FALSE(mapped("libcurl.so.4")) << "a plain http run loaded libcurl";

  auto tls = factory->create(httpSpec(true), io);
  EXPECT_FALSE(mapped("libcurl.so.4")) << "creating a check loaded libcurl";
  tls->start([](CheckResult) {});
  EXPECT_TRUE(mapped("libcurl.so.4"));
  tls->cancel();
  const auto& lib = curlLibrary();
  ASSERT_TRUE(lib) << lib.error().message;
  EXPECT_STREQ(lib->easy_strerror(CURLE_COULDNT_CONNECT), "Couldn't connect to server");
}

TEST(CurlLibraryTest, MissingLibraryIsAnErrorNamingIt) {
  auto lib = openCurlLibrary("libcurl-not-installed.so.4");
  ASSERT_FALSE(lib);
  EXPECT_THAT(lib.error().message, HasSubstr("cannot load libcurl-not-installed.so.4"));
}

TEST(CurlLibraryTest, LibraryWithoutCurlIsRefusedWhole) {
  auto lib = openCurlLibrary("libc.so.6");
  ASSERT_FALSE(lib);
  EXPECT_THAT(lib.error().message, HasSubstr("libc.so.6 lacks curl_global_init"));
}

}  // namespace
}  // namespace ninevolt::checks::http
