// Create/Get/List/Update/DeleteEventSourceMapping: DynamoDB streams read by the stream poller
// and delivered to functions in batches (docs/event_source_mappings.md).

#include <fmt/format.h>

#include <boost/json.hpp>
#include <memory>

#include "common/aws_error.h"
#include "common/ids.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr int kDefaultListMaxItems = 100;

// The mapping's state while the change the request made settles; Serval settles at once, so a
// later Get says Enabled or Disabled.
std::string_view SettledState(const EventSourceMapping& mapping) {
  return mapping.enabled ? "Enabled" : "Disabled";
}

// What an update answers with while it settles.
std::string_view UpdateState(bool was_enabled, bool enabled) {
  if (was_enabled == enabled) return "Updating";
  return enabled ? "Enabling" : "Disabling";
}

// ResourceConflictException when another mapping already sends `mapping`'s stream to its
// function (the same ARN, qualifier included), in AWS's words (LocalStack's recording).
absl::Status CheckUnique(const MappingStore& mappings, const EventSourceMapping& mapping) {
  for (const auto& [uuid, existing] : mappings.mappings()) {
    if (uuid == mapping.uuid || existing.function_arn != mapping.function_arn ||
        existing.event_source_arn != mapping.event_source_arn) {
      continue;
    }
    auto function = ParseFunctionReference(mapping.function_arn);
    return ResourceConflict(fmt::format(
        "The event source arn (\" {} \") and function (\" {} \") provided mapping already "
        "exists. Please update or delete the existing mapping with UUID {}",
        mapping.event_source_arn, function.ok() ? function->name : mapping.function_arn, uuid));
  }
  return absl::OkStatus();
}

absl::Status StreamNotFound(std::string_view arn) {
  // As AWS words it (LocalStack's ESM validation, localstack/localstack#12297).
  return InvalidParameter(fmt::format("Stream not found: {}", arn));
}

}  // namespace

absl::StatusOr<const EventSourceMapping*> LambdaService::FindMapping(const Call& call) const {
  const EventSourceMapping* mapping = mappings_->Find(call.Label("UUID"));
  if (!mapping) {
    return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                    "The resource you requested does not exist.");
  }
  return mapping;
}

absl::Status LambdaService::SetMappingFunction(const json::value& name,
                                               EventSourceMapping& mapping) const {
  if (!name.is_string()) {
    return InvalidRequestContent("Could not parse request body into json: FunctionName");
  }
  auto reference = ParseFunctionReference(name.get_string());
  if (!reference.ok()) return reference.status();
  const FunctionRegistry::Function* function = deps_.registry->Find(reference->name);
  if (!function) return InvalidParameter("Function does not exist");
  if (!reference->qualifier.empty()) {
    auto version = deps_.invoker->Resolve(*function, reference->qualifier, /*route=*/false);
    if (!version.ok()) return version.status();
  }
  mapping.function_arn = LambdaFunctionArn(deps_.account, reference->name, reference->qualifier);
  return absl::OkStatus();
}

void LambdaService::CreateEventSourceMapping(Call& call) {
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const json::value* function_name = body->if_contains("FunctionName");
  if (!function_name || function_name->is_null()) {
    return call.Fail(protocol::MissingMember("functionName"));
  }
  EventSourceMapping mapping;
  if (auto status = ApplyMappingFields(*body, /*create=*/true, mapping); !status.ok()) {
    return call.Fail(status);
  }
  if (auto status = SetMappingFunction(*function_name, mapping); !status.ok()) {
    return call.Fail(status);
  }
  if (Authorizing(call)) {
    absl::Status allowed = Authorize(call, CreateEventSourceMappingRequest(mapping.function_arn));
    if (!allowed.ok()) return call.Fail(allowed);
  }
  services::StreamSource* source = deps_.streams ? deps_.streams->dynamodb : nullptr;
  if (!source || !source->HasStream(mapping.event_source_arn)) {
    return call.Fail(StreamNotFound(mapping.event_source_arn));
  }
  if (auto status = CheckUnique(*mappings_, mapping); !status.ok()) return call.Fail(status);
  mapping.uuid = NewUuid();
  mapping.last_modified_millis = deps_.clock->NowMillis();
  StoreNewMapping(std::move(call), std::move(mapping));
}

void LambdaService::StoreNewMapping(Call call, EventSourceMapping mapping) {
  auto store = [this](Call& call, EventSourceMapping& mapping,
                      const std::map<std::string, std::string>& checkpoints) {
    const std::string uuid = mapping.uuid;
    json::object out = MappingJson(mapping, "Creating", deps_.account);
    mappings_->Put(std::move(mapping), checkpoints,
                   Answer(std::move(call), [this, uuid, out = std::move(out)](Call& call) {
                     poller_.Refresh(uuid);
                     call.Reply(202, out);
                   }));
  };
  if (mapping.starting_position != "LATEST") return store(call, mapping, {});
  // LATEST: each shard is read after the record that is newest now.
  services::StreamSource* source = deps_.streams->dynamodb;
  const std::string arn = mapping.event_source_arn;
  source->ListShards(arn, [source, arn, store, call = std::move(call),
                           mapping = std::move(mapping)](auto shards) mutable {
    if (!shards.ok()) return call.Fail(StreamNotFound(arn));
    struct Positioning {
      Call call;
      EventSourceMapping mapping;
      std::map<std::string, std::string> checkpoints;
      size_t waiting = 0;
      absl::Status failed;
    };
    auto positioning = std::make_shared<Positioning>(
        Positioning{.call = std::move(call), .mapping = std::move(mapping)});
    positioning->waiting = shards->size();
    if (shards->empty()) return store(positioning->call, positioning->mapping, {});
    for (const services::StreamShard& shard : *shards) {
      source->LatestSequence(
          arn, shard.shard_id, [positioning, store, arn, shard_id = shard.shard_id](auto sequence) {
            if (sequence.ok()) {
              positioning->checkpoints[shard_id] = *sequence;
            } else {
              positioning->failed = sequence.status();
            }
            if (--positioning->waiting > 0) return;
            if (!positioning->failed.ok()) return positioning->call.Fail(StreamNotFound(arn));
            store(positioning->call, positioning->mapping, positioning->checkpoints);
          });
    }
  });
}

void LambdaService::GetEventSourceMapping(Call& call) {
  auto mapping = FindMapping(call);
  if (!mapping.ok()) return call.Fail(mapping.status());
  call.Reply(200, MappingJson(**mapping, SettledState(**mapping), deps_.account));
}

void LambdaService::ListEventSourceMappings(Call& call) {
  auto max_items = ParseMaxItems(call.request.QueryParam("MaxItems"), kDefaultListMaxItems);
  if (!max_items.ok()) return call.Fail(max_items.status());
  auto after = DecodeMarker(call.request.QueryParam("Marker"));
  if (!after.ok()) return call.Fail(after.status());
  const std::string source = call.request.QueryParam("EventSourceArn").value_or("");
  std::optional<FunctionReference> function;
  if (auto name = call.request.QueryParam("FunctionName"); name && !name->empty()) {
    auto reference = ParseFunctionReference(*name);
    if (!reference.ok()) return call.Fail(reference.status());
    function = *std::move(reference);
  }
  // An unqualified FunctionName lists the mappings of every version and alias of the function.
  auto selected = [&](const EventSourceMapping& mapping) {
    if (!source.empty() && mapping.event_source_arn != source) return false;
    if (!function) return true;
    auto mapped = ParseFunctionReference(mapping.function_arn);
    return mapped.ok() && mapped->name == function->name &&
           (function->qualifier.empty() || mapped->qualifier == function->qualifier);
  };
  json::array listed;
  std::string last;
  bool more = false;
  const auto& all = mappings_->mappings();
  for (auto it = all.upper_bound(*after); it != all.end(); ++it) {
    if (!selected(it->second)) continue;
    if (listed.size() == static_cast<size_t>(*max_items)) {
      more = true;
      break;
    }
    listed.push_back(MappingJson(it->second, SettledState(it->second), deps_.account));
    last = it->first;
  }
  json::object out{{"EventSourceMappings", std::move(listed)}};
  if (more) out["NextMarker"] = EncodeMarker(last);
  call.Reply(200, out);
}

void LambdaService::UpdateEventSourceMapping(Call& call) {
  auto current = FindMapping(call);
  if (!current.ok()) return call.Fail(current.status());
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  EventSourceMapping updated = **current;
  const bool was_enabled = updated.enabled;
  if (auto status = ApplyMappingFields(*body, /*create=*/false, updated); !status.ok()) {
    return call.Fail(status);
  }
  if (const json::value* name = body->if_contains("FunctionName"); name && !name->is_null()) {
    if (auto status = SetMappingFunction(*name, updated); !status.ok()) return call.Fail(status);
    if (auto status = CheckUnique(*mappings_, updated); !status.ok()) return call.Fail(status);
  }
  updated.last_modified_millis = deps_.clock->NowMillis();
  json::object out = MappingJson(updated, UpdateState(was_enabled, updated.enabled), deps_.account);
  const std::string uuid = updated.uuid;
  mappings_->Put(std::move(updated), {},
                 Answer(std::move(call), [this, uuid, out = std::move(out)](Call& call) {
                   poller_.Refresh(uuid);
                   call.Reply(202, out);
                 }));
}

void LambdaService::DeleteEventSourceMapping(Call& call) {
  auto mapping = FindMapping(call);
  if (!mapping.ok()) return call.Fail(mapping.status());
  json::object out = MappingJson(**mapping, "Deleting", deps_.account);
  const std::string uuid = (*mapping)->uuid;
  mappings_->Remove(uuid, Answer(std::move(call), [this, uuid, out = std::move(out)](Call& call) {
                      poller_.Refresh(uuid);
                      call.Reply(202, out);
                    }));
}

}  // namespace serval::lambda
