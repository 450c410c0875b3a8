#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::locations {

// The factory of the `location-judge` check (judge_type.h): each run reads the check's
// replicas from the process's ReplicaBoard and gives the quorum's verdict (rows.h
// judgeResult); no verdict while the board is not in step with etcd. Without a cluster
// (`9volt check`: no store) every run says so, with no verdict.
std::unique_ptr<checks::CheckFactory> makeJudgeFactory(const checks::FactoryContext& context);

}  // namespace ninevolt::locations
