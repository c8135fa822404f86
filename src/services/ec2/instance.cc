#include "services/ec2/instance.h"

#include <array>
#include <boost/json.hpp>

#include "common/ids.h"
#include "common/json_fields.h"

namespace serval::ec2 {
namespace {

namespace json = boost::json;

struct StateInfo {
  InstanceState state;
  int code;
  std::string_view name;
  InstanceState end;
};

constexpr std::array<StateInfo, 6> kStates{{
    {InstanceState::kPending, 0, "pending", InstanceState::kRunning},
    {InstanceState::kRunning, 16, "running", InstanceState::kRunning},
    {InstanceState::kShuttingDown, 32, "shutting-down", InstanceState::kTerminated},
    {InstanceState::kTerminated, 48, "terminated", InstanceState::kTerminated},
    {InstanceState::kStopping, 64, "stopping", InstanceState::kStopped},
    {InstanceState::kStopped, 80, "stopped", InstanceState::kStopped},
}};

const StateInfo& InfoOf(InstanceState state) { return kStates[static_cast<size_t>(state)]; }

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

int StateCode(InstanceState state) { return InfoOf(state).code; }
std::string_view StateName(InstanceState state) { return InfoOf(state).name; }
InstanceState EndOf(InstanceState state) { return InfoOf(state).end; }

std::optional<InstanceState> StateNamed(std::string_view name) {
  for (const StateInfo& info : kStates) {
    if (info.name == name) return info.state;
  }
  return std::nullopt;
}

InstanceState StateAt(const Instance& instance, int64_t now_millis) {
  return now_millis >= instance.settles_millis ? EndOf(instance.state) : instance.state;
}

bool Expired(const Instance& instance, int64_t now_millis) {
  return EndOf(instance.state) == InstanceState::kTerminated &&
         now_millis >= instance.settles_millis + kTerminatedVisibleMillis;
}

void Enter(Instance& instance, InstanceState state, int64_t now_millis, int64_t transition_millis) {
  instance.state = state;
  instance.changed_millis = now_millis;
  instance.settles_millis = EndOf(state) == state ? now_millis : now_millis + transition_millis;
}

std::string EncodeInstance(const Instance& instance) {
  return json::serialize(json::object{
      {"reservation", instance.reservation_id},
      {"sequence", static_cast<int64_t>(instance.sequence)},
      {"image", instance.image_id},
      {"type", instance.instance_type},
      {"key_name", instance.key_name},
      {"subnet", instance.subnet_id},
      {"vpc", instance.vpc_id},
      {"zone", instance.availability_zone},
      {"private_ip", instance.private_ip},
      {"client_token", instance.client_token},
      {"launch_index", instance.launch_index},
      {"launched", instance.launch_millis},
      {"monitoring", instance.monitoring},
      {"state", StateName(instance.state)},
      {"changed", instance.changed_millis},
      {"settles", instance.settles_millis},
      {"reason", instance.transition_reason},
      {"tags", StringMapToJson(instance.tags)},
  });
}

absl::StatusOr<Instance> DecodeInstance(std::string_view id, std::string_view text) {
  absl::StatusOr<json::object> object = ParseStoredObject(text);
  if (!object.ok()) return object.status();
  const std::optional<InstanceState> state = StateNamed(StringMember(*object, "state"));
  if (!state) return absl::DataLossError("ec2.instances: no valid state for " + std::string(id));
  const json::value* monitoring = object->if_contains("monitoring");
  return Instance{
      .id = std::string(id),
      .reservation_id = StringMember(*object, "reservation"),
      .sequence = static_cast<uint64_t>(IntMember(*object, "sequence", 0)),
      .image_id = StringMember(*object, "image"),
      .instance_type = StringMember(*object, "type"),
      .key_name = StringMember(*object, "key_name"),
      .subnet_id = StringMember(*object, "subnet"),
      .vpc_id = StringMember(*object, "vpc"),
      .availability_zone = StringMember(*object, "zone"),
      .private_ip = StringMember(*object, "private_ip"),
      .client_token = StringMember(*object, "client_token"),
      .launch_index = static_cast<int>(IntMember(*object, "launch_index", 0)),
      .launch_millis = IntMember(*object, "launched", 0),
      .monitoring = monitoring != nullptr && monitoring->is_bool() && monitoring->get_bool(),
      .state = *state,
      .changed_millis = IntMember(*object, "changed", 0),
      .settles_millis = IntMember(*object, "settles", 0),
      .transition_reason = StringMember(*object, "reason"),
      .tags = StringMapFromJson(object->if_contains("tags")),
  };
}

std::string NewResourceId(std::string_view prefix) {
  return std::string(prefix) + RandomHex(9).substr(0, 17);
}

bool IsResourceId(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) return false;
  const std::string_view digits = id.substr(prefix.size());
  if (digits.size() != 8 && digits.size() != 17) return false;
  for (char c : digits) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace serval::ec2
