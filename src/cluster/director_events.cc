// Director: the cluster events it sees (member joined/left, check orphaned/placed).
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/director.h"
#include "common/yaml_json.h"

namespace ninevolt::cluster {
namespace {

// One event per check up to this many per placement, then one summary: a tag whose last
// member leaves can orphan thousands of checks at once.
constexpr size_t kMaxCheckEvents = 50;

std::string tagText(const std::string& tag) {
  return tag.empty() ? "no member-tag" : fmt::format("member-tag '{}'", tag);
}

}  // namespace

void Director::emit(const char* type, const char* kind, std::string message, std::string check,
                    std::string member) {
  if (options_.on_event) {
    options_.on_event(store::Event{.type = type,
                                   .kind = kind,
                                   .message = std::move(message),
                                   .check = std::move(check),
                                   .member = std::move(member)});
  }
}

void Director::publishGauges() {
  director_now_.set(is_director_ ? 1 : 0);
  members_seen_.set(is_director_ ? static_cast<int64_t>(members_.size()) : 0);
  orphans_seen_.set(is_director_ ? static_cast<int64_t>(orphans_.size()) : 0);
}

void Director::reportMembers(const std::set<std::string>& before) {
  for (const auto& id : before) {
    if (!members_.contains(id)) {
      spdlog::info("director: member {} left", id);
      emit(store::kEventWarning, store::event_kind::kMemberLeft,
           fmt::format("member {} left; its checks move to the others", id), {}, id);
    }
  }
  for (const auto& [id, m] : members_) {
    if (!before.contains(id)) {
      std::string tags =
          m.tags.empty() ? "no tags" : "tags " + fmt::format("{}", fmt::join(m.tags, ","));
      spdlog::info("director: member {} joined ({})", id, tags);
      emit(store::kEventInfo, store::event_kind::kMemberJoined,
           fmt::format("member {} joined ({})", id, tags), {}, id);
    }
  }
}

void Director::noteDirector(const std::string& director_value) {
  auto j = common::parseJson(director_value);
  if (j && j->is_object() && j->contains("id") && (*j)["id"].is_string()) {
    last_director_ = (*j)["id"].get<std::string>();
  }
}

void Director::reportPreviousDirectorGone(const std::string& previous) {
  if (!previous.empty() && previous != options_.member_id && !members_.contains(previous)) {
    spdlog::info("director: member {} (the previous director) is gone", previous);
    emit(store::kEventWarning, store::event_kind::kMemberLeft,
         fmt::format("member {} (the previous director) left; its checks move to the others",
                     previous),
         {}, previous);
    // Gone before this member could see its record go: it did not hand over (a clean stop
    // hands the key over while its record is still there), so its lease expired.
    if (options_.on_member_lost) {
      options_.on_member_lost(MemberView{.id = previous});
    }
  }
}

void Director::reportOrphans(std::vector<std::string> orphans,
                             const std::function<std::string(const std::string&)>& owner_of) {
  std::set<std::string> now(std::make_move_iterator(orphans.begin()),
                            std::make_move_iterator(orphans.end()));
  std::vector<std::string> orphaned;
  std::vector<std::string> placed;
  for (const auto& name : now) {
    if (!orphans_.contains(name)) {
      orphaned.push_back(name);
    }
  }
  for (const auto& name : orphans_) {
    // Deleted or disabled checks are not "placed": they are simply gone.
    auto c = checks_.find(name);
    if (!now.contains(name) && c && !c->disabled) {
      placed.push_back(name);
    }
  }
  orphans_ = std::move(now);
  publishGauges();
  if (!orphaned.empty()) {
    spdlog::warn("director: {} check(s) newly orphaned (no eligible member)", orphaned.size());
  }

  for (size_t i = 0; i < orphaned.size() && i < kMaxCheckEvents; ++i) {
    const auto& name = orphaned[i];
    emit(store::kEventWarning, store::event_kind::kCheckOrphaned,
         fmt::format("check '{}' is orphaned: no member may run it ({})", name,
                     tagText(tagOf(name))),
         name);
  }
  if (orphaned.size() > kMaxCheckEvents) {
    emit(store::kEventWarning, store::event_kind::kCheckOrphaned,
         fmt::format("{} more check(s) orphaned ({} in all)", orphaned.size() - kMaxCheckEvents,
                     orphans_.size()));
  }
  for (size_t i = 0; i < placed.size() && i < kMaxCheckEvents; ++i) {
    const auto& name = placed[i];
    const std::string owner = owner_of(name);
    emit(store::kEventInfo, store::event_kind::kCheckPlaced,
         fmt::format("orphaned check '{}' is placed: member {} runs it", name, owner), name, owner);
  }
  if (placed.size() > kMaxCheckEvents) {
    emit(store::kEventInfo, store::event_kind::kCheckPlaced,
         fmt::format("{} more orphaned check(s) placed", placed.size() - kMaxCheckEvents));
  }
}

}  // namespace ninevolt::cluster
