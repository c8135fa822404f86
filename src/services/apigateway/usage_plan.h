#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::apigateway {

// API keys and the usage plans that meter them: account-level, not part of any one API. These
// are thread-compatible values; usage_plan_json.cc reads and writes them in API Gateway's JSON,
// which with "value" and "keyIds" added is also how they are stored (docs/formats.md).

struct ApiKey {
  std::string id;
  std::string value;  // what callers send in x-api-key
  std::string name;
  std::string customer_id;
  std::string description;
  bool enabled = false;
  int64_t created_date = 0;  // epoch seconds
  int64_t last_updated_date = 0;
  std::vector<std::string> stage_keys;  // "api id/stage"
  std::map<std::string, std::string> tags;
};

struct ThrottleSettings {
  std::optional<double> rate_limit;    // requests a second
  std::optional<int64_t> burst_limit;  // the bucket's size
};

struct QuotaSettings {
  int64_t limit = 0;
  int64_t offset = 0;
  std::string period;  // DAY, WEEK, MONTH
};

struct ApiStage {
  std::string api_id;
  std::string stage;
  std::map<std::string, ThrottleSettings> throttle;  // by "/resource/path/VERB"
};

struct UsagePlan {
  std::string id;
  std::string name;
  std::string description;
  std::vector<ApiStage> api_stages;
  std::optional<ThrottleSettings> throttle;
  std::optional<QuotaSettings> quota;
  std::string product_code;
  std::map<std::string, std::string> tags;
  std::set<std::string> key_ids;  // its usage-plan keys (API key ids)
};

// `with_value`: the key's value too (CreateApiKey, ?includeValue=true).
boost::json::object ToJson(const ApiKey& key, bool with_value);
boost::json::object ToJson(const UsagePlan& plan);
// A usage-plan key: the API key as a member of a plan.
boost::json::object UsagePlanKeyJson(const ApiKey& key);

// Read `object` into `out` member by member (absent members leave `out` as it is);
// BadRequestException names a member of the wrong type. "stageKeys" is read in both its request
// form ([{restApiId, stageName}]) and its stored form (["api/stage"]).
absl::Status FromJson(const boost::json::object& object, ApiKey& out);
absl::Status FromJson(const boost::json::object& object, UsagePlan& out);
absl::Status FromJson(const boost::json::object& object, ThrottleSettings& out);
absl::Status FromJson(const boost::json::object& object, QuotaSettings& out);

// The stored forms.
boost::json::object StoredJson(const ApiKey& key);
boost::json::object StoredJson(const UsagePlan& plan);

}  // namespace serval::apigateway
