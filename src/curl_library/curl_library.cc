#include "curl_library/curl_library.h"

#include <string>
#include <type_traits>

#include <dlfcn.h>
#include <spdlog/spdlog.h>

namespace ninevolt::curl {

namespace {

// dlerror() text, or a fallback when there is none.
std::string lastDlError() {
  // glibc keeps dlerror()'s message per thread.
  const char* e = dlerror();  // NOLINT(concurrency-mt-unsafe)
  return e != nullptr ? e : "unknown error";
}

}  // namespace

Result<CurlLibrary> openCurlLibrary(const char* soname) {
  // RTLD_LOCAL: nothing else in the process sees curl's symbols (or its dependencies');
  // RTLD_NOW: a missing symbol fails here, not in the middle of a run.
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return fail(Errc::kNotFound, std::string("cannot load ") + soname + ": " + lastDlError());
  }
  CurlLibrary lib;
  std::string missing;
  auto resolve = [&](auto& fn, const char* name) {
    void* sym = dlsym(handle, name);
    if (sym == nullptr) {
      missing += missing.empty() ? name : std::string(", ") + name;
      return;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  resolve(lib.global_init, "curl_global_init");
  resolve(lib.easy_init, "curl_easy_init");
  resolve(lib.easy_cleanup, "curl_easy_cleanup");
  resolve(lib.easy_reset, "curl_easy_reset");
  resolve(lib.easy_setopt, "curl_easy_setopt");
  resolve(lib.easy_getinfo, "curl_easy_getinfo");
  resolve(lib.easy_strerror, "curl_easy_strerror");
  resolve(lib.easy_perform, "curl_easy_perform");
  resolve(lib.multi_init, "curl_multi_init");
  resolve(lib.multi_cleanup, "curl_multi_cleanup");
  resolve(lib.multi_setopt, "curl_multi_setopt");
  resolve(lib.multi_add_handle, "curl_multi_add_handle");
  resolve(lib.multi_remove_handle, "curl_multi_remove_handle");
  resolve(lib.multi_socket_action, "curl_multi_socket_action");
  resolve(lib.multi_info_read, "curl_multi_info_read");
  resolve(lib.multi_strerror, "curl_multi_strerror");
  resolve(lib.slist_append, "curl_slist_append");
  resolve(lib.slist_free_all, "curl_slist_free_all");
  resolve(lib.crypto_get_ex_new_index, "CRYPTO_get_ex_new_index");
  resolve(lib.ssl_ctx_get_ex_data, "SSL_CTX_get_ex_data");
  resolve(lib.ssl_ctx_set_ex_data, "SSL_CTX_set_ex_data");
  resolve(lib.ssl_ctx_set_info_callback, "SSL_CTX_set_info_callback");
  resolve(lib.ssl_get_ssl_ctx, "SSL_get_SSL_CTX");
  if (!missing.empty()) {
    // Not an OpenSSL-backed libcurl 7.x/8.x: refuse it whole rather than half work.
    dlclose(handle);
    return fail(Errc::kNotFound, std::string(soname) + " lacks " + missing);
  }
  return lib;
}

const Result<CurlLibrary>& curlLibrary() {
  // A function-local static: initialised once, thread-safe, before any other curl call in
  // the process (curl_global_init must not race with them).
  static const Result<CurlLibrary> kLoaded = [] {
    auto lib = openCurlLibrary("libcurl.so.4");
    if (!lib) {
      spdlog::error("http checks: {}; every http run will be UNKNOWN", lib.error().message);
      return lib;
    }
    if (CURLcode rc = lib->global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
      std::string message = std::string("curl_global_init: ") + lib->easy_strerror(rc);
      spdlog::error("http checks: {}; every http run will be UNKNOWN", message);
      return Result<CurlLibrary>(fail(Errc::kInternal, std::move(message)));
    }
    spdlog::debug("http checks: libcurl.so.4 loaded");
    return lib;
  }();
  return kLoaded;
}

}  // namespace ninevolt::curl
