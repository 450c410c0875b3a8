#include "checks/exec/nagios.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "checks/exec/output.h"

namespace ninevolt::checks::exec {
namespace {

bool isSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The leading number of "12.5ms" / "-3" / "0,5%"; nullopt when there is none.
std::optional<double> leadingNumber(std::string_view text) {
  std::string number(text.substr(0, text.find(';')));
  for (char& c : number) {
    if (c == ',') {
      c = '.';
    }
  }
  const char* begin = number.data();
  const char* end = number.data() + number.size();
  if (begin != end && *begin == '+') {
    ++begin;
  }
  // from_chars would also take "inf" and "nan"; perfdata values start with a digit.
  const char* digits = (begin != end && *begin == '-') ? begin + 1 : begin;
  if (digits == end
      || !(std::isdigit(static_cast<unsigned char>(*digits)) != 0 || *digits == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Status nagiosStatus(int exit_code) {
  switch (exit_code) {
    case 0:
      return Status::kOk;
    case 1:
      return Status::kWarning;
    case 2:
      return Status::kCritical;
    default:
      return Status::kUnknown;
  }
}

std::map<std::string, double> parsePerfdata(std::string_view text) {
  std::map<std::string, double> values;
  size_t i = 0;
  while (i < text.size()) {
    if (isSpace(text[i])) {
      ++i;
      continue;
    }
    std::string label;
    bool ok = true;
    if (text[i] == '\'') {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ok = false;
          break;
        }
        if (text[i] == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            label += '\'';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        label += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != '=' && !isSpace(text[i])) {
        label += text[i++];
      }
    }
    if (!ok || i >= text.size() || text[i] != '=' || label.empty()) {
      // Malformed item: skip to the next space and carry on.
      while (i < text.size() && !isSpace(text[i])) {
        ++i;
      }
      continue;
    }
    ++i;  // '='
    size_t value_begin = i;
    while (i < text.size() && !isSpace(text[i])) {
      ++i;
    }
    if (auto value = leadingNumber(text.substr(value_begin, i - value_begin))) {
      values[label] = *value;
    }
  }
  return values;
}

NagiosOutput parseNagiosOutput(std::string_view output) {
  NagiosOutput result;
  size_t line_end = output.find('\n');
  std::string_view first = output.substr(0, line_end);
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view() : output.substr(line_end + 1);

  size_t bar = first.find('|');
  result.message = cleanLine(first.substr(0, bar));
  std::string perf;
  if (bar != std::string_view::npos) {
    perf = first.substr(bar + 1);
  }
  // Long output may carry more perfdata after its own '|', running to the end.
  if (size_t long_bar = rest.find('|'); long_bar != std::string_view::npos) {
    perf += ' ';
    perf += rest.substr(long_bar + 1);
  }
  result.perfdata = parsePerfdata(perf);
  return result;
}

}  // namespace ninevolt::checks::exec
