#include "api/v1/routes.h"

namespace ninevolt::api::v1 {

void addRoutes(Router& router, const Context& context) {
  addConfigRoutes(router, context);
  addStateRoutes(router, context);
  addClusterRoutes(router, context);
  addEventRoutes(router, context);
  addStreamRoutes(router, context);
  addTypeRoutes(router, context);
  addPushRoutes(router, context);
  addSilenceRoutes(router, context);
  addAckRoutes(router, context);
  addStormRoutes(router, context);
}

}  // namespace ninevolt::api::v1
