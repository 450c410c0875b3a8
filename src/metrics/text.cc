#include "metrics/text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace ninevolt::metrics {
namespace {

std::string_view typeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Shortest text that reads back as the same double ("0.001", "1e-05", "10").
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

void appendValue(std::string& out, uint64_t value) {
  std::array<char, 24> buf{};
  auto* end = std::to_chars(buf.data(), buf.data() + buf.size(), value).ptr;
  out.append(buf.data(), end);
}

void appendValue(std::string& out, int64_t value) {
  std::array<char, 24> buf{};
  auto* end = std::to_chars(buf.data(), buf.data() + buf.size(), value).ptr;
  out.append(buf.data(), end);
}

namespace {

void appendName(std::string& out, std::string_view name, Labels labels) {
  out += name;
  if (labels.size() == 0) {
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += l.name;
    out += "=\"";
    appendEscapedLabelValue(out, l.value);
    out += '"';
  }
  out += '}';
}

}  // namespace

void appendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void appendSample(std::string& out, std::string_view name, Labels labels, double value) {
  appendName(out, name, labels);
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

void appendSample(std::string& out, std::string_view name, Labels labels, uint64_t value) {
  appendName(out, name, labels);
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

void appendSample(std::string& out, std::string_view name, Labels labels, int64_t value) {
  appendName(out, name, labels);
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

void appendHeader(std::string& out, std::string_view name, Type type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += typeName(type);
  out += '\n';
}

void Writer::histogram(std::string_view name, Labels labels, const HistogramSnapshot& h) {
  const std::string bucket = std::string(name) + "_bucket";
  auto with_le = [&](std::string_view le, uint64_t value) {
    out_ += bucket;
    out_ += '{';
    for (const auto& l : labels) {
      out_ += l.name;
      out_ += "=\"";
      appendEscapedLabelValue(out_, l.value);
      out_ += "\",";
    }
    out_ += "le=\"";
    out_ += le;
    out_ += "\"} ";
    appendValue(out_, value);
    out_ += '\n';
  };
  std::string le;
  for (size_t i = 0; i < h.bounds.size() && i < h.buckets.size(); ++i) {
    le.clear();
    appendValue(le, h.bounds[i]);
    with_le(le, h.buckets[i]);
  }
  with_le("+Inf", h.count);
  appendSample(out_, std::string(name) + "_sum", labels, h.sum);
  appendSample(out_, std::string(name) + "_count", labels, h.count);
}

}  // namespace ninevolt::metrics
