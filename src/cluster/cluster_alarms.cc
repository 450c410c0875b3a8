#include "cluster/cluster_alarms.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/no_director.h"
#include "common/duration.h"
#include "config/type_fields.h"
#include "store/incident.h"

namespace ninevolt::cluster {
namespace {

struct AlarmOptions : config::TypeOptions {};

// Not among config::checkTypes(): what the dispatcher's notifications call a condition's type.
class AlarmType : public config::TypedCheckType<AlarmOptions> {
 public:
  AlarmType()
      : TypedCheckType("cluster", "internal: a condition of the 9volt cluster itself", {}) {}

 protected:
  std::string targetOf(const AlarmOptions&) const override { return "the 9volt cluster"; }
};

const AlarmType& alarmType() {
  static const AlarmType type;
  return type;
}

const std::string kOrphans = "9volt.orphans";
const std::string kEtcdAlarm = "9volt.etcd-alarm";
std::string lostName(const std::string& id) {
  return "9volt.member-lost." + id;
}

}  // namespace

ClusterAlarms::ClusterAlarms(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                             Options options)
    : io_(io),
      store_(std::move(store)),
      options_(std::move(options)),
      orphan_timer_(io),
      sweep_timer_(io) {}

config::SharedMonitor ClusterAlarms::specOf(const std::string& name, const std::string& alerter) {
  config::MonitorSpec spec;
  spec.name = name;
  spec.type = &alarmType();
  spec.typed = std::make_shared<AlarmOptions>();
  spec.description = "the 9volt cluster itself (cluster-alerter)";
  spec.interval = std::chrono::seconds(1);
  spec.flap_detection = false;
  if (!alerter.empty()) {
    spec.critical_alerter = {alerter};
  }
  spec.raw_size = alerter.size();
  spec.raw_hash = std::hash<std::string>{}(alerter);
  return std::make_shared<const config::MonitorSpec>(std::move(spec));
}

void ClusterAlarms::directorChanged(bool director) {
  if (director == director_) {
    return;
  }
  director_ = director;
  if (director) {
    adoptOpen();
    armSweep(std::min<std::chrono::milliseconds>(options_.sweep, std::chrono::seconds(3)));
    return;
  }
  for (const auto& name : open_) {
    options_.alerts.release(name);
  }
  if (swept_revision_ != 0) {
    // Adopted and cleared here: its resolve may still be on its way; the next director
    // sends it.
    options_.alerts.release(std::string(NoDirectorAlarm::kName));
  }
  open_.clear();
  live_.clear();
  orphaned_since_.reset();
  orphan_timer_.cancel();
  sweep_timer_.cancel();
  swept_revision_ = 0;
  cleared_revision_ = 0;
}

void ClusterAlarms::adoptOpen() {
  // The conditions a previous director left open: adopted (what they left unsettled is sent
  // again), then judged afresh as the placement, the members and the probe report.
  auto keys = store_->listRecordKeys(store::RecordKind::kIncident, 0);
  if (!keys) {
    spdlog::warn(
        "cluster alarms: cannot list the incidents: {} (open conditions are adopted "
        "when they change)",
        keys.error().message);
    return;
  }
  const std::string prefix = store_->keys().incidentPrefix();
  std::vector<std::string> names;
  for (const auto& kv : keys->kvs) {
    std::string name = kv.key.substr(prefix.size());
    if (isAlarm(name) && name != NoDirectorAlarm::kName) {  // that one: sweepNoDirector()
      names.push_back(std::move(name));
    }
  }
  if (names.empty()) {
    return;
  }
  auto records = store_->readCheckRecords(names);
  if (!records) {
    spdlog::warn("cluster alarms: cannot read the open conditions: {}", records.error().message);
    return;
  }
  std::vector<std::string> open;
  std::map<std::string, state::Seed> seeds;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& kv = (*records)[i].incident;
    auto incident = kv ? store::decodeIncident(kv->value) : tl::unexpected(Error{});
    if (incident && !incident->resolved()) {
      open.push_back(names[i]);
      seeds[names[i]] = state::Seed{incident->status, std::max(1, incident->count)};
      open_.insert(names[i]);
    }
  }
  if (open.empty()) {
    return;
  }
  spdlog::info("cluster alarms: {} open condition(s) taken over", open.size());
  options_.alerts.adopt(open, seeds);
  // Members lost earlier that are back by now.
  if (auto live = store_->liveMemberIds()) {
    for (const auto& id : *live) {
      clear(lostName(id), fmt::format("member {} is back", id));
    }
  }
}

void ClusterAlarms::armSweep(std::chrono::milliseconds after) {
  sweep_timer_.expires_after(after);
  sweep_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec && director_) {
      sweepNoDirector();
      armSweep(options_.sweep);
    }
  }));
}

void ClusterAlarms::sweepNoDirector() {
  const std::string name{NoDirectorAlarm::kName};
  auto records = store_->readCheckRecords({name});
  if (!records || records->empty()) {
    return;  // looked at again next time
  }
  const auto& kv = (*records)[0].incident;
  if (!kv) {
    return;
  }
  const bool changed = kv->mod_revision != swept_revision_;
  auto incident = store::decodeIncident(kv->value);
  if (!incident) {
    if (changed) {
      spdlog::warn("cluster alarms: {} is no incident ({}): left alone", kv->key,
                   incident.error().message);
    }
    swept_revision_ = kv->mod_revision;
    return;
  }
  if (changed) {
    // Adopted as it stands, once per change: what is unsettled is sent again (after the
    // grace when another member raised it: it may be sending it right now).
    swept_revision_ = kv->mod_revision;
    if (incident->owner != options_.member_id) {
      spdlog::info(
          "cluster alarms: {} raised by member {} while there was no director: taken "
          "over",
          name, incident->owner);
    }
    options_.alerts.adopt({name}, {});
  }
  if (incident->resolved() || kv->mod_revision == cleared_revision_) {
    return;  // resolved, or cleared here already (the dispatcher writes it)
  }
  // Cleared once its failure is settled (sent, or given up), so the resolve never overtakes
  // the trigger at a receiver; until then a later sweep looks again.
  for (const auto& [alerter, told] : incident->alerters) {
    if (!told.settled()) {
      return;
    }
  }
  cleared_revision_ = kv->mod_revision;
  open_.insert(name);
  clear(name, fmt::format("member {} is the director", options_.member_id));
}

void ClusterAlarms::raise(const std::string& name, const std::string& message) {
  if (!director_ || !enabled_ || !open_.insert(name).second) {
    return;
  }
  spdlog::warn("cluster alarms: {}: {}", name, message);
  options_.alerts.raise(name, message);
}

void ClusterAlarms::clear(const std::string& name, const std::string& message) {
  if (!director_ || open_.erase(name) == 0) {
    return;
  }
  spdlog::info("cluster alarms: {} cleared: {}", name, message);
  options_.alerts.clear(name, message);
}

void ClusterAlarms::memberLost(const MemberView& m) {
  raise(lostName(m.id),
        fmt::format("member {}{} disappeared without leaving: its lease expired (killed, frozen "
                    "or cut off from etcd); its checks moved to the other members",
                    m.id, m.location.empty() ? "" : " in location " + m.location));
}

void ClusterAlarms::memberJoined(const MemberView& m) {
  clear(lostName(m.id), fmt::format("member {} is back", m.id));
}

void ClusterAlarms::memberDegraded(const MemberView& m) {
  const std::string name = "9volt.member-degraded." + m.id;
  if (m.degraded) {
    raise(name, fmt::format("member {}{} is degraded: every one of its canaries fails, so its "
                            "own network is the likely problem; its checks moved to the other "
                            "members and its failures are not alerted",
                            m.id, m.location.empty() ? "" : " in location " + m.location));
  } else {
    clear(name, fmt::format("member {} is no longer degraded", m.id));
  }
}

void ClusterAlarms::orphans(const std::vector<std::string>& orphans) {
  if (!director_) {
    return;
  }
  orphan_count_ = orphans.size();
  orphan_sample_ = orphans.empty() ? "" : orphans.front();
  if (orphans.empty()) {
    orphaned_since_.reset();
    orphan_timer_.cancel();
    clear(kOrphans, "every check has a member that may run it");
    return;
  }
  if (!orphaned_since_) {
    orphaned_since_ = std::chrono::steady_clock::now();
    armOrphanTimer();
  }
}

void ClusterAlarms::armOrphanTimer() {
  if (!orphaned_since_) {
    return;
  }
  orphan_timer_.expires_at(*orphaned_since_ + options_.orphan_grace);
  orphan_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (ec || !orphaned_since_ || orphan_count_ == 0) {
      return;
    }
    raise(kOrphans, fmt::format("{} check(s) orphaned for more than {}: no live member may run "
                                "them (their member-tag or location), e.g. {}",
                                orphan_count_, common::formatDuration(options_.orphan_grace),
                                orphan_sample_));
  }));
}

void ClusterAlarms::setOrphanGrace(std::chrono::milliseconds grace) {
  options_.orphan_grace = grace;
  armOrphanTimer();
}

void ClusterAlarms::etcdProblem(const std::string& problem) {
  if (!director_) {
    return;
  }
  if (problem.find("alarm") != std::string::npos) {
    raise(kEtcdAlarm, "etcd reports: " + problem);
  } else if (problem.empty()) {
    clear(kEtcdAlarm, "etcd reports no alarm any more");
  }
}

}  // namespace ninevolt::cluster
