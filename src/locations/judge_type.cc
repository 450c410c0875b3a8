#include "locations/judge_type.h"

#include <memory>

#include "config/type_fields.h"

namespace ninevolt::locations {
namespace {

class JudgeType : public config::TypedCheckType<JudgeOptions> {
 public:
  JudgeType()
      : TypedCheckType(kJudgeType, "internal: combines a monitor's location replicas by its quorum",
                       {}) {}

 protected:
  std::string targetOf(const JudgeOptions& o) const override {
    return "the locations of " + o.check;
  }
};

}  // namespace

const config::CheckTypeDef& judgeTypeDef() {
  static const JudgeType type;
  return type;
}

config::SharedMonitor judgeSpecOf(const config::MonitorSpec& monitor) {
  config::MonitorSpec spec = monitor;  // fingerprint (raw_size, raw_hash) kept
  auto options = std::make_shared<JudgeOptions>();
  options->check = monitor.name;
  options->locations = monitor.locations;
  options->failing = monitor.failing_locations;
  options->recovered = monitor.recovered_locations;
  options->member_tag = monitor.member_tag;
  spec.type = &judgeTypeDef();
  spec.typed = std::move(options);
  spec.warning_threshold = 0;
  spec.critical_threshold = 0;
  spec.timeout = std::min<common::Nanos>(spec.timeout, std::chrono::seconds(1));
  spec.raw = nullptr;
  return std::make_shared<const config::MonitorSpec>(std::move(spec));
}

config::SharedMonitor replicaSpecOf(const config::MonitorSpec& monitor, std::string replica) {
  config::MonitorSpec spec = monitor;
  spec.name = std::move(replica);
  spec.raw = nullptr;
  return std::make_shared<const config::MonitorSpec>(std::move(spec));
}

}  // namespace ninevolt::locations
