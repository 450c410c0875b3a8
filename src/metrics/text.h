#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/metrics.h"

namespace ninevolt::metrics {

// Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Type { kCounter, kGauge, kHistogram };

struct Label {
  std::string_view name;
  std::string_view value;  // escaped on output
};
using Labels = std::initializer_list<Label>;

// Appends `name{a="x",b="y"} value\n` to out. Label values are escaped (\\, \", \n);
// names are the caller's constants (not checked). Integers print exactly; doubles print
// with up to 17 significant digits (round-trip), +Inf/-Inf/NaN as Prometheus spells them.
void appendSample(std::string& out, std::string_view name, Labels labels, double value);
void appendSample(std::string& out, std::string_view name, Labels labels, uint64_t value);
void appendSample(std::string& out, std::string_view name, Labels labels, int64_t value);
// `# HELP name help` (help escaped: \\ and \n) and `# TYPE name type`.
void appendHeader(std::string& out, std::string_view name, Type type, std::string_view help);
// The label value escaping of the format: backslash, double quote and line feed.
void appendEscapedLabelValue(std::string& out, std::string_view value);
// A sample value as the format spells it (for callers that assemble lines themselves, e.g.
// with a label prefix shared by many series).
void appendValue(std::string& out, double value);
void appendValue(std::string& out, uint64_t value);
void appendValue(std::string& out, int64_t value);

// Writes families into one text. A family is its header, then all of its samples (the
// format wants them together): call family() once, then sample() for each series.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void family(std::string_view name, Type type, std::string_view help) {
    appendHeader(out_, name, type, help);
  }
  template <typename V>
  void sample(std::string_view name, Labels labels, V value) {
    appendSample(out_, name, labels, value);
  }
  // A whole one-series family.
  template <typename V>
  void counter(std::string_view name, std::string_view help, V value, Labels labels = {}) {
    family(name, Type::kCounter, help);
    sample(name, labels, value);
  }
  template <typename V>
  void gauge(std::string_view name, std::string_view help, V value, Labels labels = {}) {
    family(name, Type::kGauge, help);
    sample(name, labels, value);
  }
  // One histogram series: name_bucket{...,le="b"} (cumulative, ending with le="+Inf"),
  // name_sum and name_count. `labels` go before `le`. Call family() first.
  void histogram(std::string_view name, Labels labels, const HistogramSnapshot& h);

  std::string& out() { return out_; }

 private:
  std::string& out_;
};

}  // namespace ninevolt::metrics
