// Precompiled for every component (cmake/Precompiled.cmake): the standard and third-party
// headers that most of src/ includes. Only headers that are expensive to parse and widely
// used belong here; a file still includes what it uses (the build without precompiled
// headers, -DNINEVOLT_PCH=OFF, must work too).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <tl/expected.hpp>
