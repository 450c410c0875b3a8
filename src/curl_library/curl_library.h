#pragma once

#include <string>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "common/result.h"

namespace ninevolt::curl {

// The libcurl (and OpenSSL) functions 9volt calls (the http check's multi interface, the
// alerters' blocking requests), resolved with dlopen/dlsym.
//
// Why not link libcurl: Debian's libcurl.so.4 pulls 33 more libraries (gnutls, krb5, ldap,
// ssh2, rtmp, ...) and curl_global_init initialises OpenSSL; loading and initialising them
// costs ~6 MiB of RSS in every 9volt process, which a member with no http check never uses.
// The library is loaded when the first http check is created instead.
//
// The OpenSSL functions come from the same lookup (dlsym on libcurl's handle searches its
// dependencies too), so they are the libssl that libcurl itself uses.
struct CurlLibrary {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;  // alerts/transport (blocking)
  decltype(&::curl_multi_init) multi_init = nullptr;
  decltype(&::curl_multi_cleanup) multi_cleanup = nullptr;
  decltype(&::curl_multi_setopt) multi_setopt = nullptr;
  decltype(&::curl_multi_add_handle) multi_add_handle = nullptr;
  decltype(&::curl_multi_remove_handle) multi_remove_handle = nullptr;
  decltype(&::curl_multi_socket_action) multi_socket_action = nullptr;
  decltype(&::curl_multi_info_read) multi_info_read = nullptr;
  decltype(&::curl_multi_strerror) multi_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  // SSL_CTX_get_ex_new_index is a macro over this one.
  decltype(&::CRYPTO_get_ex_new_index) crypto_get_ex_new_index = nullptr;
  decltype(&::SSL_CTX_get_ex_data) ssl_ctx_get_ex_data = nullptr;
  decltype(&::SSL_CTX_set_ex_data) ssl_ctx_set_ex_data = nullptr;
  decltype(&::SSL_CTX_set_info_callback) ssl_ctx_set_info_callback = nullptr;
  decltype(&::SSL_get_SSL_CTX) ssl_get_ssl_ctx = nullptr;
};

// Opens `soname` and resolves every function above, without calling curl_global_init. An
// error names the library and what dlopen/dlsym said. The handle is never closed.
Result<CurlLibrary> openCurlLibrary(const char* soname);

// The process's libcurl.so.4, opened and curl_global_init'ed on the first call (from any
// thread; later calls only read). The error, if any, is kept: a missing libcurl makes every
// http run UNKNOWN with that message, it is not retried.
const Result<CurlLibrary>& curlLibrary();

}  // namespace ninevolt::curl
