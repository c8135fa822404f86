#include "services/events/events_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/aws_error.h"
#include "common/ids.h"
#include "common/text.h"
#include "protocol/protocol.h"
#include "protocol/validation.h"
#include "services/events/event_pattern.h"
#include "services/events/events_access.h"
#include "services/events/request_fields.h"
#include "services/events/schedule_expression.h"
#include "services/events/target_input.h"

namespace serval::events {
namespace {

namespace json = boost::json;

constexpr size_t kMaxTargetsPerRule = 5;
constexpr size_t kMaxEventPatternLength = 4096;

// A RetryPolicy member within [min, max] (the model's bounds), into `*out`; absent leaves it.
absl::Status ReadBoundedInteger(const json::object& policy, std::string_view member, int min,
                                int max, size_t index, int* out) {
  const json::value* value = policy.if_contains(member);
  if (value == nullptr || value->is_null()) return absl::OkStatus();
  if (!value->is_int64()) return protocol::WrongMemberType(member);
  const int64_t number = value->get_int64();
  std::string field = fmt::format("targets.{}.member.retryPolicy.{}", index, member);
  field[field.size() - member.size()] = AsciiLower(field[field.size() - member.size()]);
  if (auto s = protocol::CheckValueRange(number, field, min, max); !s.ok()) return s;
  *out = static_cast<int>(number);
  return absl::OkStatus();
}

// A target's RoleArn, RetryPolicy and DeadLetterConfig.
absl::Status ReadDeliverySettings(const json::object& entry, size_t index, Target& target) {
  auto role = OptionalString(entry, "RoleArn");
  if (!role.ok()) return role.status();
  target.role_arn = *role;
  if (const json::value* retry = entry.if_contains("RetryPolicy"); retry && !retry->is_null()) {
    if (!retry->is_object()) return protocol::WrongMemberType("RetryPolicy");
    if (auto s = ReadBoundedInteger(retry->get_object(), "MaximumRetryAttempts", 0, 185, index,
                                    &target.max_retry_attempts);
        !s.ok()) {
      return s;
    }
    if (auto s = ReadBoundedInteger(retry->get_object(), "MaximumEventAgeInSeconds", 60, 86400,
                                    index, &target.max_event_age_seconds);
        !s.ok()) {
      return s;
    }
  }
  if (const json::value* dlq = entry.if_contains("DeadLetterConfig"); dlq && !dlq->is_null()) {
    if (!dlq->is_object()) return protocol::WrongMemberType("DeadLetterConfig");
    auto arn = OptionalString(dlq->get_object(), "Arn");
    if (!arn.ok()) return arn.status();
    if (arn->size() > 1600) {
      return protocol::ValidationFailed(
          *arn, fmt::format("targets.{}.member.deadLetterConfig.arn", index),
          "Member must have length less than or equal to 1600");
    }
    target.dead_letter_arn = *arn;
  }
  return absl::OkStatus();
}

// Reads the PutTargets entry at `index` (from 1); an error refuses the whole request
// (ValidationException), as EventBridge refuses it.
absl::StatusOr<Target> ReadTarget(const json::value& item, size_t index) {
  const json::object* entry = item.if_object();
  if (!entry) return Validation("each target must be an object");
  Target target;
  auto id = RequiredString(*entry, "Id");
  if (!id.ok()) return id.status();
  if (auto s = CheckName(*id, fmt::format("targets.{}.member.id", index)); !s.ok()) return s;
  target.id = *id;
  auto arn = RequiredString(*entry, "Arn");
  if (!arn.ok()) return arn.status();
  target.arn = *arn;
  auto input = OptionalString(*entry, "Input");
  auto path = OptionalString(*entry, "InputPath");
  if (!input.ok()) return input.status();
  if (!path.ok()) return path.status();
  target.input = *input;
  target.input_path = *path;
  if (const json::value* transformer = entry->if_contains("InputTransformer");
      transformer && !transformer->is_null()) {
    const json::object* fields = transformer->if_object();
    if (!fields) return Validation("InputTransformer must be an object");
    target.has_transformer = true;
    auto input_template = RequiredString(*fields, "InputTemplate");
    if (!input_template.ok()) return input_template.status();
    target.transformer.input_template = *input_template;
    if (const json::value* paths = fields->if_contains("InputPathsMap");
        paths && !paths->is_null()) {
      if (!paths->is_object()) return Validation("InputPathsMap must be an object");
      for (const auto& [name, value] : paths->get_object()) {
        if (!value.is_string()) return Validation("InputPathsMap values must be JSONPath strings");
        target.transformer.input_paths_map[std::string(name)] = std::string(value.get_string());
      }
    }
  }
  if (auto s = ValidateTargetInputSpec(InputSpecOf(target), target.id); !s.ok()) {
    return Validation(std::string(s.message()));
  }
  if (auto s = ReadDeliverySettings(*entry, index, target); !s.ok()) return s;
  return target;
}

// A target Serval cannot deliver to: that entry's FailedEntries record, the others are put.
absl::Status CheckDeliverable(const Target& target) {
  if (!target.arn.starts_with("arn:aws:lambda:") ||
      target.arn.find(":function:") == std::string::npos) {
    return Validation("Serval delivers to Lambda function targets only; " + target.arn +
                      " is not a function ARN");
  }
  return absl::OkStatus();
}

}  // namespace

constexpr protocol::Protocol kProtocol = protocol::Protocol::kAwsJson1_1;

absl::StatusOr<std::unique_ptr<services::Service>> EventsService::Create(
    const services::Platform& platform) {
  auto rules = RuleStore::Open(platform.metadata);
  if (!rules.ok()) return rules.status();
  auto service = std::make_unique<EventsService>(Dependencies{.account = platform.account,
                                                              .clock = platform.clock,
                                                              .io = platform.io,
                                                              .invoker = platform.invoker,
                                                              .authorizer = platform.authorizer},
                                                 *std::move(rules));
  if (platform.events) platform.events->publisher = service.get();
  if (platform.schedules) platform.schedules->view = service.get();
  return service;
}

EventsService::EventsService(Dependencies dependencies, std::unique_ptr<RuleStore> rules)
    : deps_(std::move(dependencies)),
      rules_(std::move(rules)),
      scheduler_(*deps_.io, deps_.clock, [this](const std::string& rule, int64_t scheduled_millis) {
        Fire(rule, scheduled_millis);
      }) {
  for (const auto& [key, rule] : rules_->rules()) {
    if (rule.bus != kDefaultBus) continue;
    scheduler_.Set(rule.name, rule.schedule_expression, rule.created_millis, rule.enabled);
  }
}

const services::ServiceInfo& EventsService::info() const {
  static const services::ServiceInfo kInfo{.name = "events",
                                           .signing_name = "events",
                                           .protocol = kProtocol,
                                           .target_prefixes = {"AWSEvents."}};
  return kInfo;
}

template <protocol::JsonOperation<EventsService> Operation>
void EventsService::Committed(const json::object& body, protocol::JsonOperationDone done) {
  absl::StatusOr<json::object> answer = (this->*Operation)(body);
  rules_->Commit([this, answer = std::move(answer), done = std::move(done)](
                     absl::Status written, std::vector<RuleKey> read_back) mutable {
    for (const auto& [bus, name] : read_back) {
      if (bus != kDefaultBus) continue;
      if (const Rule* rule = rules_->Find(bus, name)) {
        scheduler_.Set(name, rule->schedule_expression, rule->created_millis, rule->enabled);
      } else {
        scheduler_.Remove(name);
      }
    }
    if (!written.ok()) return done(std::move(written));
    done(std::move(answer));
  });
}

const protocol::JsonOperationTable<EventsService>& EventsService::Operations() {
  static const protocol::JsonOperationTable<EventsService> kOperations{
      {"PutRule", &EventsService::Committed<&EventsService::PutRule>},
      {"DescribeRule", &EventsService::DescribeRule},
      {"ListRules", &EventsService::ListRules},
      {"DeleteRule", &EventsService::Committed<&EventsService::DeleteRule>},
      {"EnableRule", &EventsService::Committed<&EventsService::EnableRule>},
      {"DisableRule", &EventsService::Committed<&EventsService::DisableRule>},
      {"PutTargets", &EventsService::Committed<&EventsService::PutTargets>},
      {"ListTargetsByRule", &EventsService::ListTargetsByRule},
      {"RemoveTargets", &EventsService::Committed<&EventsService::RemoveTargets>},
      {"ListRuleNamesByTarget", &EventsService::ListRuleNamesByTarget},
      {"TagResource", &EventsService::Committed<&EventsService::TagResource>},
      {"UntagResource", &EventsService::Committed<&EventsService::UntagResource>},
      {"ListTagsForResource", &EventsService::ListTagsForResource},
      {"CreateEventBus", &EventsService::Committed<&EventsService::CreateEventBus>},
      {"DescribeEventBus", &EventsService::DescribeEventBus},
      {"ListEventBuses", &EventsService::ListEventBuses},
      {"DeleteEventBus", &EventsService::Committed<&EventsService::DeleteEventBus>},
      {"PutEvents", &EventsService::PutEvents},
      {"TestEventPattern", &EventsService::TestEventPattern},
  };
  return kOperations;
}

std::string EventsService::RuleArn(const Rule& rule) const {
  return events::RuleArn(deps_.account, rule.bus, rule.name);
}

std::string EventsService::BusArn(std::string_view bus) const {
  return events::BusArn(deps_.account, bus);
}

void EventsService::Handle(protocol::RequestContext context, http::Responder respond) {
  const auto authorize = [this, &context](const protocol::JsonRpcRequest& request) {
    return services::CheckAccess(deps_.authorizer, context.caller, "AccessDeniedException", [&] {
      return AccessRequestsFor(request.operation, request.input, deps_.account);
    });
  };
  protocol::ServeJsonRpc(kProtocol, "AWSEvents.", Operations(), *this, context, authorize,
                         std::move(respond));
}

void EventsService::Drain(std::function<void()> done) {
  scheduler_.Shutdown();
  done();
}

std::vector<services::ScheduleView::ScheduledRule> EventsService::ScheduledRules() const {
  std::vector<ScheduledRule> scheduled;
  for (const auto& [key, rule] : rules_->rules()) {
    if (rule.bus != kDefaultBus || rule.schedule_expression.empty()) continue;
    ScheduledRule& out =
        scheduled.emplace_back(ScheduledRule{.name = rule.name,
                                             .expression = rule.schedule_expression,
                                             .enabled = rule.enabled,
                                             .next_fire_millis = scheduler_.NextFire(rule.name)});
    for (const auto& [id, target] : rule.targets) out.target_arns.push_back(target.arn);
  }
  return scheduled;
}

void EventsService::AddStats(json::object& stats) const {
  const Scheduler::Stats fired = scheduler_.stats();
  stats["scheduler"] = json::object{{"rules_scheduled", scheduler_.scheduled()},
                                    {"fires", fired.fires},
                                    {"delay_ms",
                                     {{"p50", fired.p50_delay_millis},
                                      {"p99", fired.p99_delay_millis},
                                      {"max", fired.max_delay_millis}}}};
}

absl::StatusOr<json::object> EventsService::EnableRule(const json::object& body) {
  return SetRuleState(body, true);
}

absl::StatusOr<json::object> EventsService::DisableRule(const json::object& body) {
  return SetRuleState(body, false);
}

absl::StatusOr<std::string> EventsService::ExistingBus(const json::object& body,
                                                       const char* member) const {
  auto bus = OptionalString(body, member);
  if (!bus.ok()) return bus.status();
  if (bus->empty()) return std::string(kDefaultBus);
  std::string name = *bus;
  if (name.starts_with("arn:")) {
    const std::string prefix = BusArn("");
    if (!name.starts_with(prefix)) {
      return Validation(
          fmt::format("Parameter {} is not valid. Reason: {} is not a valid ARN.", member, name));
    }
    name = name.substr(prefix.size());
  }
  if (!rules_->HasBus(name)) return NotFound(fmt::format("Event bus {} does not exist.", name));
  return name;
}

absl::StatusOr<const Rule*> EventsService::FindRule(const json::object& body) const {
  auto name = RequiredString(body, "Rule");
  if (!name.ok()) {
    name = RequiredString(body, "Name");
    if (!name.ok()) return name.status();
  }
  auto bus = ExistingBus(body);
  if (!bus.ok()) return bus.status();
  const Rule* rule = rules_->Find(*bus, *name);
  if (!rule) return NotFound(fmt::format("Rule {} does not exist on EventBus {}.", *name, *bus));
  return rule;
}

absl::StatusOr<const Rule*> EventsService::FindRuleByArn(const std::string& arn) const {
  const std::string prefix =
      fmt::format("arn:aws:events:{}:{}:rule/", deps_.account.region, deps_.account.account_id);
  const Rule* rule = nullptr;
  if (arn.starts_with(prefix)) {
    const std::string rest = arn.substr(prefix.size());
    const size_t slash = rest.rfind('/');
    rule = slash == std::string::npos ? rules_->Find(kDefaultBus, rest)
                                      : rules_->Find(rest.substr(0, slash), rest.substr(slash + 1));
  }
  if (!rule) return NotFound("Rule " + arn + " does not exist.");
  return rule;
}

absl::StatusOr<json::object> EventsService::PutRule(const json::object& body) {
  auto name = RequiredString(body, "Name");
  if (!name.ok()) return name.status();
  if (auto s = CheckName(*name, "name"); !s.ok()) return s;
  auto schedule = OptionalString(body, "ScheduleExpression");
  auto pattern = OptionalString(body, "EventPattern");
  auto state = OptionalString(body, "State");
  auto description = OptionalString(body, "Description");
  auto role = OptionalString(body, "RoleArn");
  auto tags = ReadTags(body);
  for (const absl::Status& s : {schedule.status(), pattern.status(), state.status(),
                                description.status(), role.status(), tags.status()}) {
    if (!s.ok()) return s;
  }
  if (schedule->empty() && pattern->empty()) {
    return Validation("Parameter(s) ScheduleExpression or EventPattern must be specified.");
  }
  if (!schedule->empty()) {
    if (auto parsed = ParseScheduleExpression(*schedule); !parsed.ok()) {
      return Validation("Parameter ScheduleExpression is not valid: " +
                        std::string(parsed.status().message()));
    }
  }
  if (!pattern->empty()) {
    if (pattern->size() > kMaxEventPatternLength) {
      return protocol::ValidationFailed(*pattern, "eventPattern",
                                        "Member must have length less than or equal to 4096");
    }
    if (auto parsed = EventPattern::Parse(*pattern, PatternDialect::kEventBridge); !parsed.ok()) {
      return parsed.status();
    }
  }
  if (!state->empty() && *state != "ENABLED" && *state != "DISABLED") {
    return protocol::ValidationFailed(*state, "state",
                                      "Member must satisfy enum value set: [ENABLED, DISABLED]");
  }
  if (description->size() > 512) return Validation("Description is longer than 512 characters");
  auto bus = ExistingBus(body);
  if (!bus.ok()) return bus.status();
  if (*bus != kDefaultBus && !schedule->empty()) {
    return Validation("ScheduleExpression is supported only on the default event bus.");
  }
  // PutRule on an existing rule updates it and keeps its targets (and creation time).
  Rule rule;
  if (const Rule* existing = rules_->Find(*bus, *name)) rule = *existing;
  const bool schedule_changed = rule.schedule_expression != *schedule;
  rule.bus = *bus;
  rule.name = *name;
  rule.schedule_expression = *schedule;
  rule.event_pattern = *pattern;
  rule.enabled = *state != "DISABLED";
  rule.description = *description;
  rule.role_arn = *role;
  for (auto& [key, value] : *tags) rule.tags[key] = value;
  if (rule.created_millis == 0 || schedule_changed) rule.created_millis = deps_.clock->NowMillis();
  rules_->Put(rule);
  if (rule.bus == kDefaultBus) {
    scheduler_.Set(rule.name, rule.schedule_expression, rule.created_millis, rule.enabled);
  }
  return json::object{{"RuleArn", RuleArn(rule)}};
}

absl::StatusOr<json::object> EventsService::DescribeRule(const json::object& body) {
  auto rule = FindRule(body);
  if (!rule.ok()) return rule.status();
  const Rule& r = **rule;
  json::object out{{"Name", r.name},
                   {"Arn", RuleArn(r)},
                   {"State", r.enabled ? "ENABLED" : "DISABLED"},
                   {"EventBusName", r.bus},
                   {"CreatedBy", deps_.account.account_id}};
  if (!r.schedule_expression.empty()) out["ScheduleExpression"] = r.schedule_expression;
  if (!r.event_pattern.empty()) out["EventPattern"] = r.event_pattern;
  if (!r.description.empty()) out["Description"] = r.description;
  if (!r.role_arn.empty()) out["RoleArn"] = r.role_arn;
  return out;
}

absl::StatusOr<json::object> EventsService::ListRules(const json::object& body) {
  auto page = ReadListRequest(body);
  if (!page.ok()) return page.status();
  auto bus = ExistingBus(body);
  if (!bus.ok()) return bus.status();
  // The token is the last rule name of the previous page.
  const auto& rules = rules_->rules();
  auto in_page = [&rules, &page, &bus](std::map<RuleKey, Rule>::const_iterator at) {
    return at != rules.end() && at->first.first == *bus &&
           at->first.second.starts_with(page->prefix);
  };
  auto it = page->token.empty() ? rules.lower_bound(RuleKey(*bus, page->prefix))
                                : rules.upper_bound(RuleKey(*bus, page->token));
  json::array listed;
  std::string last;
  for (; in_page(it); ++it) {
    if (static_cast<int>(listed.size()) == page->limit) break;
    const Rule& r = it->second;
    json::object entry{{"Name", r.name},
                       {"Arn", RuleArn(r)},
                       {"State", r.enabled ? "ENABLED" : "DISABLED"},
                       {"EventBusName", r.bus}};
    if (!r.schedule_expression.empty()) entry["ScheduleExpression"] = r.schedule_expression;
    if (!r.event_pattern.empty()) entry["EventPattern"] = r.event_pattern;
    if (!r.description.empty()) entry["Description"] = r.description;
    listed.push_back(std::move(entry));
    last = r.name;
  }
  json::object out{{"Rules", std::move(listed)}};
  if (in_page(it)) out["NextToken"] = last;
  return out;
}

absl::StatusOr<json::object> EventsService::DeleteRule(const json::object& body) {
  auto rule = FindRule(body);
  if (!rule.ok()) {
    // Deleting a rule that does not exist succeeds, as in EventBridge.
    if (rule.status().code() == absl::StatusCode::kNotFound) return json::object{};
    return rule.status();
  }
  if (!(*rule)->targets.empty()) return Validation("Rule can't be deleted since it has targets.");
  const std::string name = (*rule)->name;
  const std::string bus = (*rule)->bus;
  rules_->Remove(bus, name);
  if (bus == kDefaultBus) scheduler_.Remove(name);
  return json::object{};
}

absl::StatusOr<json::object> EventsService::SetRuleState(const json::object& body, bool enabled) {
  auto rule = FindRule(body);
  if (!rule.ok()) return rule.status();
  Rule updated = **rule;
  updated.enabled = enabled;
  rules_->Put(updated);
  if (updated.bus == kDefaultBus) {
    scheduler_.Set(updated.name, updated.schedule_expression, updated.created_millis, enabled);
  }
  return json::object{};
}

absl::StatusOr<json::object> EventsService::PutTargets(const json::object& body) {
  auto rule = FindRule(body);
  if (!rule.ok()) return rule.status();
  const json::value* targets = body.if_contains("Targets");
  if (!targets || !targets->is_array() || targets->get_array().empty()) {
    return protocol::MissingMember("targets");
  }
  if (targets->get_array().size() > 10) {
    return Validation("Targets: Member must have length less than or equal to 10");
  }
  std::vector<Target> read;
  for (const json::value& item : targets->get_array()) {
    auto target = ReadTarget(item, read.size() + 1);
    if (!target.ok()) return target.status();
    read.push_back(*std::move(target));
  }
  Rule updated = **rule;
  json::array failed;
  for (Target& target : read) {
    if (absl::Status deliverable = CheckDeliverable(target); !deliverable.ok()) {
      failed.push_back(json::object{{"TargetId", target.id},
                                    {"ErrorCode", AwsErrorCode(deliverable)},
                                    {"ErrorMessage", std::string(deliverable.message())}});
      continue;
    }
    const std::string target_id = target.id;
    updated.targets[target_id] = std::move(target);
  }
  // More targets than a rule may have refuses the whole request; nothing is put.
  if (updated.targets.size() > kMaxTargetsPerRule) {
    return AwsError(absl::StatusCode::kResourceExhausted, "LimitExceededException",
                    "The requested resource exceeds the maximum number allowed.");
  }
  rules_->Put(std::move(updated));
  return json::object{{"FailedEntryCount", failed.size()}, {"FailedEntries", std::move(failed)}};
}

absl::StatusOr<json::object> EventsService::ListTargetsByRule(const json::object& body) {
  auto rule = FindRule(body);
  if (!rule.ok()) return rule.status();
  auto page = ReadListRequest(body);
  if (!page.ok()) return page.status();
  // The token is the last target id of the previous page.
  const auto& targets = (*rule)->targets;
  auto it = page->token.empty() ? targets.begin() : targets.upper_bound(page->token);
  json::array listed;
  for (; it != targets.end() && static_cast<int>(listed.size()) < page->limit; ++it) {
    const Target& target = it->second;
    json::object entry{{"Id", target.id}, {"Arn", target.arn}};
    if (!target.input.empty()) entry["Input"] = target.input;
    if (!target.input_path.empty()) entry["InputPath"] = target.input_path;
    if (target.has_transformer) {
      json::object paths;
      for (const auto& [name, path] : target.transformer.input_paths_map) paths[name] = path;
      json::object transformer{{"InputTemplate", target.transformer.input_template}};
      if (!paths.empty()) transformer["InputPathsMap"] = std::move(paths);
      entry["InputTransformer"] = std::move(transformer);
    }
    if (!target.role_arn.empty()) entry["RoleArn"] = target.role_arn;
    if (target.max_retry_attempts >= 0 || target.max_event_age_seconds >= 0) {
      json::object retry;
      if (target.max_retry_attempts >= 0) retry["MaximumRetryAttempts"] = target.max_retry_attempts;
      if (target.max_event_age_seconds >= 0) {
        retry["MaximumEventAgeInSeconds"] = target.max_event_age_seconds;
      }
      entry["RetryPolicy"] = std::move(retry);
    }
    if (!target.dead_letter_arn.empty()) {
      entry["DeadLetterConfig"] = json::object{{"Arn", target.dead_letter_arn}};
    }
    listed.push_back(std::move(entry));
  }
  json::object out{{"Targets", std::move(listed)}};
  if (it != targets.end()) out["NextToken"] = std::prev(it)->first;
  return out;
}

absl::StatusOr<json::object> EventsService::RemoveTargets(const json::object& body) {
  auto rule = FindRule(body);
  if (!rule.ok()) return rule.status();
  const json::value* ids = body.if_contains("Ids");
  if (!ids || !ids->is_array() || ids->get_array().empty()) {
    return protocol::MissingMember("ids");
  }
  Rule updated = **rule;
  json::array failed;
  for (const json::value& id : ids->get_array()) {
    if (!id.is_string()) return Validation("Ids must be strings");
    // Removing a target that is not there is not an error in EventBridge either.
    updated.targets.erase(std::string(id.get_string()));
  }
  rules_->Put(std::move(updated));
  return json::object{{"FailedEntryCount", 0}, {"FailedEntries", std::move(failed)}};
}

absl::StatusOr<json::object> EventsService::ListRuleNamesByTarget(const json::object& body) {
  auto arn = RequiredString(body, "TargetArn");
  if (!arn.ok()) return arn.status();
  auto bus = ExistingBus(body);
  if (!bus.ok()) return bus.status();
  auto page = ReadListRequest(body);
  if (!page.ok()) return page.status();
  // The token is the last rule name of the previous page.
  json::array names;
  std::string last;
  bool more = false;
  const auto& rules = rules_->rules();
  for (auto it = rules.upper_bound(RuleKey(*bus, page->token));
       it != rules.end() && it->first.first == *bus; ++it) {
    const Rule& rule = it->second;
    if (std::none_of(rule.targets.begin(), rule.targets.end(),
                     [&](const auto& entry) { return entry.second.arn == *arn; })) {
      continue;
    }
    if (static_cast<int>(names.size()) == page->limit) {
      more = true;
      break;
    }
    names.push_back(json::value(rule.name));
    last = rule.name;
  }
  json::object out{{"RuleNames", std::move(names)}};
  if (more) out["NextToken"] = last;
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> EventsService::ChangeTags(
    const json::object& body,
    const std::function<void(std::map<std::string, std::string>&)>& change) {
  auto arn = RequiredString(body, "ResourceARN");
  if (!arn.ok()) return arn.status();
  // An event bus (the default one included: its tags are kept in a record of its own) or a rule.
  const std::string bus_prefix = BusArn("");
  if (arn->starts_with(bus_prefix)) {
    const std::string name = arn->substr(bus_prefix.size());
    if (!rules_->HasBus(name)) return NotFound("Event bus " + name + " does not exist.");
    auto stored = rules_->buses().find(name);
    EventBus bus = stored != rules_->buses().end() ? stored->second : EventBus{.name = name};
    const std::map<std::string, std::string> before = bus.tags;
    change(bus.tags);
    if (bus.tags != before) rules_->PutBus(bus);
    return bus.tags;
  }
  auto rule = FindRuleByArn(*arn);
  if (!rule.ok()) return rule.status();
  Rule updated = **rule;
  const std::map<std::string, std::string> before = updated.tags;
  change(updated.tags);
  std::map<std::string, std::string> tags = updated.tags;
  if (tags != before) rules_->Put(std::move(updated));
  return tags;
}

absl::StatusOr<json::object> EventsService::TagResource(const json::object& body) {
  auto tags = ReadTags(body);
  if (!tags.ok()) return tags.status();
  auto changed = ChangeTags(body, [&](std::map<std::string, std::string>& kept) {
    for (const auto& [key, value] : *tags) kept[key] = value;
  });
  if (!changed.ok()) return changed.status();
  return json::object{};
}

absl::StatusOr<json::object> EventsService::UntagResource(const json::object& body) {
  auto changed = ChangeTags(body, [&](std::map<std::string, std::string>& kept) {
    if (const json::value* keys = body.if_contains("TagKeys"); keys && keys->is_array()) {
      for (const json::value& key : keys->get_array()) {
        if (key.is_string()) kept.erase(std::string(key.get_string()));
      }
    }
  });
  if (!changed.ok()) return changed.status();
  return json::object{};
}

absl::StatusOr<json::object> EventsService::ListTagsForResource(const json::object& body) {
  auto tags = ChangeTags(body, [](std::map<std::string, std::string>&) {});
  if (!tags.ok()) return tags.status();
  return json::object{{"Tags", TagList(*tags)}};
}

void EventsService::Fire(const std::string& rule_name, int64_t scheduled_millis) {
  const Rule* rule = rules_->Find(kDefaultBus, rule_name);
  if (!rule || !rule->enabled || rule->targets.empty()) return;
  const std::string event = ScheduledEventJson({.id = NewUuid(),
                                                .account = deps_.account.account_id,
                                                .region = deps_.account.region,
                                                .time_millis = scheduled_millis,
                                                .rule_arn = RuleArn(*rule)});
  DeliverToTargets(*rule, event, scheduled_millis, "events:rule/" + rule->name, nullptr);
}

void EventsService::DeliverToTargets(const Rule& rule, const std::string& event_json,
                                     int64_t ingestion_millis, const std::string& source,
                                     const DeliveryTracker& track) {
  const TargetInputContext context{
      .rule_arn = RuleArn(rule), .rule_name = rule.name, .ingestion_time_millis = ingestion_millis};
  for (const auto& [id, target] : rule.targets) {
    // The common cases need no shaping: the event itself, or a constant Input.
    absl::StatusOr<std::string> input = target.input.empty() ? event_json : target.input;
    if (!target.input_path.empty() || target.has_transformer) {
      // Validated at PutTargets; a path may still select nothing.
      input = ShapeTargetInput(InputSpecOf(target), event_json, context);
    }
    if (!input.ok()) {
      deps_.invoker->ReportUndeliverable(source, target.arn, input.status());
      continue;
    }
    deps_.invoker->Deliver(source, {.function = target.arn, .payload = *std::move(input)},
                           track ? track() : nullptr);
  }
}

}  // namespace serval::events
