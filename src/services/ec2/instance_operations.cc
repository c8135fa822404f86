// RunInstances, DescribeInstances, DescribeInstanceStatus and the state changes.

#include <algorithm>

#include "absl/time/time.h"
#include "common/text.h"
#include "fmt/format.h"
#include "protocol/xml.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_request.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/ec2_xml.h"
#include "services/ec2/filters.h"
#include "services/ec2/network.h"
#include "services/ec2/tags.h"

namespace serval::ec2 {
namespace {

using S = InstanceState;

// RunInstances' default instance type, as EC2's.
constexpr std::string_view kDefaultInstanceType = "m1.small";
// The most instances one RunInstances launches.
constexpr int64_t kMaxLaunch = 1000;

// What each action does from each state, in InstanceState's order (pending, running,
// shutting-down, terminated, stopping, stopped). Starting a running instance, stopping a stopped
// one or terminating a terminated one changes nothing and is no error.
constexpr Transition kKeep{};
constexpr Transition kRefuse{.allowed = false};
constexpr Transition To(S state) { return Transition{.to = state}; }
constexpr Transitions kStart{{kKeep, kKeep, kRefuse, kRefuse, kRefuse, To(S::kPending)}};
constexpr Transitions kStop{{kRefuse, To(S::kStopping), kRefuse, kRefuse, kKeep, kKeep}};
constexpr Transitions kTerminate{{To(S::kShuttingDown), To(S::kShuttingDown), kKeep, kKeep,
                                  To(S::kShuttingDown), To(S::kShuttingDown)}};

// "User initiated (2024-01-01 12:00:00 GMT)": StateTransitionReason after a stop or terminate.
std::string UserInitiated(int64_t now_millis) {
  return "User initiated (" +
         absl::FormatTime("%Y-%m-%d %H:%M:%S GMT", absl::FromUnixMillis(now_millis),
                          absl::UTCTimeZone()) +
         ")";
}

// An instance type's shape: a family ("t3", "m5d", "u-6tb1"), a dot, a size ("2xlarge").
bool IsInstanceType(std::string_view type) {
  const size_t dot = type.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == type.size()) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

// MinCount and MaxCount: both required, 1 <= MinCount <= MaxCount; at most kMaxLaunch launched.
absl::StatusOr<int64_t> LaunchCount(const protocol::QueryRequest& request) {
  absl::StatusOr<std::optional<int64_t>> min_count = ReadInt(request, "MinCount");
  if (!min_count.ok()) return min_count.status();
  absl::StatusOr<std::optional<int64_t>> max_count = ReadInt(request, "MaxCount");
  if (!max_count.ok()) return max_count.status();
  if (!*min_count) return MissingParameter("MinCount");
  if (!*max_count) return MissingParameter("MaxCount");
  if (**min_count < 1) {
    return InvalidParameterValue(fmt::format(
        "Value ({}) for parameter minCount is invalid. Expected a value greater than 0.",
        **min_count));
  }
  if (**max_count < **min_count) {
    return InvalidParameterValue(fmt::format(
        "Value ({}) for parameter maxCount is invalid. Expected a value greater than or equal "
        "to minCount ({}).",
        **max_count, **min_count));
  }
  if (**min_count > kMaxLaunch) {
    return ClientError("InstanceLimitExceeded",
                       fmt::format("You have requested more instances ({}) than your current "
                                   "instance limit of {} allows for the specified instance type. "
                                   "Please visit http://aws.amazon.com/contact-us/ec2-request to "
                                   "request an adjustment to this limit.",
                                   **min_count, kMaxLaunch));
  }
  return std::min(**max_count, kMaxLaunch);
}

// The tags TagSpecification.N gives the instances it launches (ResourceType "instance"; the
// other types name resources Serval does not keep).
absl::StatusOr<std::map<std::string, std::string>> LaunchTags(
    const protocol::QueryRequest& request) {
  std::map<std::string, std::string> tags;
  for (const auto& [index, fields] :
       protocol::QueryMembers(request.parameters, "TagSpecification")) {
    auto type = fields.find("ResourceType");
    if (type == fields.end()) {
      return MissingParameter(fmt::format("TagSpecification.{}.ResourceType", index));
    }
    absl::StatusOr<std::map<std::string, std::string>> given =
        ReadTags(request.parameters, fmt::format("TagSpecification.{}.", index));
    if (!given.ok()) return given.status();
    if (type->second == "instance") tags.merge(*given);
  }
  return tags;
}

// Writes `instances` grouped into reservations (consecutive instances of one reservation share
// an <item>), as DescribeInstances answers.
void WriteReservations(protocol::XmlWriter& xml,
                       const std::vector<std::pair<const Instance*, S>>& instances,
                       const AccountContext& account) {
  xml.Open("reservationSet");
  std::string_view open;
  for (const auto& [instance, state] : instances) {
    if (instance->reservation_id != open) {
      if (!open.empty()) xml.Close("instancesSet").Close("item");
      xml.Open("item");
      OpenReservation(xml, instance->reservation_id, account.account_id);
      open = instance->reservation_id;
    }
    WriteInstance(xml, *instance, state, account);
  }
  if (!open.empty()) xml.Close("instancesSet").Close("item");
  xml.Close("reservationSet");
}

// Where a listing starts: after NextToken's position (a sequence number), or at the beginning.
absl::StatusOr<uint64_t> FirstSequence(const Page& page) {
  if (!page.next_token) return 0;
  absl::StatusOr<std::string> position = DecodeNextToken(*page.next_token);
  if (!position.ok()) return position.status();
  uint64_t sequence = 0;
  if (!ParseDecimal(*position, &sequence)) {
    return DecodeNextToken("").status();  // the same error
  }
  return sequence;
}

}  // namespace

void Ec2Service::RunInstances(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<int64_t> count = LaunchCount(request);
  if (!count.ok()) return reply(count.status());
  const std::string image = request.Get("ImageId").value_or("");
  if (image.empty()) return reply(MissingParameter("ImageId"));
  if (!IsResourceId(image, "ami-")) {
    return reply(ClientError("InvalidAMIID.Malformed",
                             fmt::format("Invalid id: \"{}\" (expecting \"ami-...\")", image)));
  }
  const std::string type = request.Get("InstanceType").value_or(std::string(kDefaultInstanceType));
  if (!IsInstanceType(type)) {
    return reply(InvalidParameterValue(fmt::format("Invalid value '{}' for InstanceType.", type)));
  }
  const std::vector<std::string> zones = ZonesOf(platform_.account.region);
  std::string zone = request.Get("Placement.AvailabilityZone").value_or("");
  if (!zone.empty() && std::find(zones.begin(), zones.end(), zone) == zones.end()) {
    return reply(InvalidParameterValue(fmt::format("Invalid availability zone: [{}]", zone)));
  }
  absl::StatusOr<bool> monitoring = ReadBool(request, "Monitoring.Enabled");
  if (!monitoring.ok()) return reply(monitoring.status());
  absl::StatusOr<std::map<std::string, std::string>> tags = LaunchTags(request);
  if (!tags.ok()) return reply(tags.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);

  const std::string client_token = request.Get("ClientToken").value_or("");
  const int64_t now = Now();
  std::vector<std::pair<const Instance*, S>> launched;
  // A retried launch (the same ClientToken) answers the first one's reservation.
  if (!client_token.empty()) {
    for (const auto& [sequence, instance] : instances_->instances()) {
      if (instance.client_token == client_token && !Expired(instance, now)) {
        launched.emplace_back(&instance, StateAt(instance, now));
      }
    }
  }
  protocol::XmlWriter xml;
  if (!launched.empty()) {
    OpenReservation(xml, launched.front().first->reservation_id, platform_.account.account_id);
    for (const auto& [instance, state] : launched) {
      WriteInstance(xml, *instance, state, platform_.account);
    }
    xml.Close("instancesSet");
    return reply(xml.Take());
  }

  const std::string reservation = NewResourceId("r-");
  uint64_t sequence = instances_->NextSequence();
  if (zone.empty()) zone = zones[sequence % zones.size()];
  std::vector<Instance> made;
  for (int64_t index = 0; index < *count; ++index, ++sequence) {
    Instance instance{
        .id = NewResourceId("i-"),
        .reservation_id = reservation,
        .sequence = sequence,
        .image_id = image,
        .instance_type = type,
        .key_name = request.Get("KeyName").value_or(""),
        .subnet_id = request.Get("SubnetId").value_or(DefaultSubnet(platform_.account, zone)),
        .vpc_id = DefaultVpc(platform_.account),
        .availability_zone = zone,
        .private_ip = PrivateIpOf(sequence),
        .client_token = client_token,
        .launch_index = static_cast<int>(index),
        .launch_millis = now,
        .monitoring = *monitoring,
        .tags = *tags,
    };
    Enter(instance, S::kPending, now, platform_.instance_transition_millis);
    made.push_back(std::move(instance));
  }
  OpenReservation(xml, reservation, platform_.account.account_id);
  for (const Instance& instance : made) {
    WriteInstance(xml, instance, S::kPending, platform_.account);
  }
  xml.Close("instancesSet");
  launched_ += made.size();
  Commit(std::move(made), xml.Take(), std::move(reply));
}

void Ec2Service::DescribeInstances(const protocol::QueryRequest& request, Reply reply) {
  const std::vector<std::string> ids = ReadList(request, "InstanceId");
  absl::StatusOr<Page> page = ReadPage(request, !ids.empty(), "instancesSet");
  if (!page.ok()) return reply(page.status());
  absl::StatusOr<Filters<InstanceView>> filters =
      RequestFilters<InstanceView>(request.parameters, InstanceFilterFields());
  if (!filters.ok()) return reply(filters.status());
  absl::StatusOr<uint64_t> first = FirstSequence(*page);
  if (!first.ok()) return reply(first.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);

  const int64_t now = Now();
  std::vector<std::pair<const Instance*, S>> listed;
  std::optional<uint64_t> next;
  auto consider = [&](const Instance& instance) {
    const S state = StateAt(instance, now);
    if (!filters->Matches(InstanceView{instance, state})) return true;
    if (page->max_results && listed.size() == static_cast<size_t>(*page->max_results)) {
      next = instance.sequence;
      return false;
    }
    listed.emplace_back(&instance, state);
    return true;
  };
  if (!ids.empty()) {
    absl::StatusOr<std::vector<const Instance*>> found = FindInstances(ids);
    if (!found.ok()) return reply(found.status());
    std::sort(found->begin(), found->end(),
              [](const Instance* a, const Instance* b) { return a->sequence < b->sequence; });
    found->erase(std::unique(found->begin(), found->end()), found->end());
    for (const Instance* instance : *found) consider(*instance);
  } else {
    const InstanceStore::Instances& all = instances_->instances();
    for (auto it = all.lower_bound(*first); it != all.end(); ++it) {
      if (Expired(it->second, now)) continue;
      if (!consider(it->second)) break;
    }
  }
  protocol::XmlWriter xml;
  WriteReservations(xml, listed, platform_.account);
  if (next) xml.Element("nextToken", EncodeNextToken(std::to_string(*next)));
  reply(xml.Take());
}

void Ec2Service::DescribeInstanceStatus(const protocol::QueryRequest& request, Reply reply) {
  const std::vector<std::string> ids = ReadList(request, "InstanceId");
  absl::StatusOr<Page> page = ReadPage(request, !ids.empty(), "InstanceIds");
  if (!page.ok()) return reply(page.status());
  absl::StatusOr<bool> include_all = ReadBool(request, "IncludeAllInstances");
  if (!include_all.ok()) return reply(include_all.status());
  absl::StatusOr<Filters<InstanceView>> filters =
      RequestFilters<InstanceView>(request.parameters, InstanceStatusFilterFields());
  if (!filters.ok()) return reply(filters.status());
  absl::StatusOr<uint64_t> first = FirstSequence(*page);
  if (!first.ok()) return reply(first.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);

  std::vector<const Instance*> candidates;
  if (!ids.empty()) {
    absl::StatusOr<std::vector<const Instance*>> found = FindInstances(ids);
    if (!found.ok()) return reply(found.status());
    candidates = *std::move(found);
  } else {
    const InstanceStore::Instances& all = instances_->instances();
    for (auto it = all.lower_bound(*first); it != all.end(); ++it) {
      candidates.push_back(&it->second);
    }
  }
  const int64_t now = Now();
  protocol::XmlWriter xml;
  xml.Open("instanceStatusSet");
  size_t count = 0;
  std::optional<uint64_t> next;
  for (const Instance* instance : candidates) {
    if (Expired(*instance, now)) continue;
    const S state = StateAt(*instance, now);
    // Without IncludeAllInstances, only running instances have a status.
    if (!*include_all && state != S::kRunning) continue;
    if (!filters->Matches(InstanceView{*instance, state})) continue;
    if (page->max_results && count == static_cast<size_t>(*page->max_results)) {
      next = instance->sequence;
      break;
    }
    ++count;
    const bool running = state == S::kRunning;
    xml.Open("item")
        .Element("instanceId", instance->id)
        .Element("availabilityZone", instance->availability_zone)
        .Element("availabilityZoneId", ZoneIdOf(instance->availability_zone))
        .Element("eventsSet", "");
    WriteState(xml, "instanceState", state);
    for (std::string_view summary : {"systemStatus", "instanceStatus"}) {
      xml.Open(summary).Element("status", running ? "ok" : "not-applicable");
      if (running) {
        xml.Open("details")
            .Open("item")
            .Element("name", "reachability")
            .Element("status", "passed")
            .Close("item")
            .Close("details");
      }
      xml.Close(summary);
    }
    xml.Close("item");
  }
  xml.Close("instanceStatusSet");
  if (next) xml.Element("nextToken", EncodeNextToken(std::to_string(*next)));
  reply(xml.Take());
}

void Ec2Service::StartInstances(const protocol::QueryRequest& request, Reply reply) {
  ChangeStates(request, kStart, "The instance '{}' is not in a state from which it can be started.",
               std::move(reply));
}

void Ec2Service::StopInstances(const protocol::QueryRequest& request, Reply reply) {
  // Force (skip the operating system's shutdown) and Hibernate change nothing for a record.
  for (std::string_view flag : {"Force", "Hibernate", "SkipOsShutdown"}) {
    if (absl::StatusOr<bool> given = ReadBool(request, flag); !given.ok()) {
      return reply(given.status());
    }
  }
  ChangeStates(request, kStop, "This instance '{}' is not in a state from which it can be stopped.",
               std::move(reply));
}

void Ec2Service::TerminateInstances(const protocol::QueryRequest& request, Reply reply) {
  ChangeStates(request, kTerminate, "", std::move(reply));
}

void Ec2Service::RebootInstances(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<std::vector<const Instance*>> instances = RequiredInstances(request);
  if (!instances.ok()) return reply(instances.status());
  const int64_t now = Now();
  for (const Instance* instance : *instances) {
    const S state = StateAt(*instance, now);
    if (state != S::kRunning && state != S::kPending) {
      return reply(IncorrectInstanceState(fmt::format(
          "The instance '{}' is not in a state from which it can be rebooted.", instance->id)));
    }
  }
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);
  // A reboot keeps the instance running: nothing to store.
  protocol::XmlWriter xml;
  reply(xml.Element("return", "true").Take());
}

void Ec2Service::ChangeStates(const protocol::QueryRequest& request, const Transitions& transitions,
                              std::string_view refusal, Reply reply) {
  absl::StatusOr<std::vector<const Instance*>> instances = RequiredInstances(request);
  if (!instances.ok()) return reply(instances.status());
  const int64_t now = Now();
  for (const Instance* instance : *instances) {
    if (!transitions[static_cast<size_t>(StateAt(*instance, now))].allowed) {
      return reply(IncorrectInstanceState(fmt::format(fmt::runtime(refusal), instance->id)));
    }
  }
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);

  protocol::XmlWriter xml;
  xml.Open("instancesSet");
  std::vector<Instance> changed;
  for (const Instance* instance : *instances) {
    const S previous = StateAt(*instance, now);
    const std::optional<S> to = transitions[static_cast<size_t>(previous)].to;
    xml.Open("item").Element("instanceId", instance->id);
    WriteState(xml, "currentState", to.value_or(previous));
    WriteState(xml, "previousState", previous);
    xml.Close("item");
    if (!to) continue;
    Instance next = *instance;
    Enter(next, *to, now, platform_.instance_transition_millis);
    if (*to == S::kPending) {
      next.launch_millis = now;
      next.transition_reason.clear();
    } else {
      next.transition_reason = UserInitiated(now);
    }
    changed.push_back(std::move(next));
  }
  xml.Close("instancesSet");
  Commit(std::move(changed), xml.Take(), std::move(reply));
}

}  // namespace serval::ec2
