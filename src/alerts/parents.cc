#include "alerts/parents.h"

#include "config/spec.h"

namespace ninevolt::alerts {

Result<std::string> failingParentStatus(store::Store& store, const std::string& parent) {
  auto state = store.getState(parent);
  if (!state) {
    return tl::unexpected(state.error());
  }
  if (!*state || (*state)->status == "ok") {
    return std::string();
  }
  auto monitor = store.getConfig(store::ConfigKind::kMonitor, parent);
  if (!monitor) {
    return tl::unexpected(monitor.error());
  }
  if (!*monitor || config::monitorDisabled((*monitor)->value)) {
    return std::string();
  }
  return (*state)->status;
}

}  // namespace ninevolt::alerts
