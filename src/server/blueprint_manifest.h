#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::server {

// A blueprint's manifest, serval-blueprint.json (the format is in docs/blueprints.md):
// Parameters with defaults, and Resources applied in order, each of a Type `serval deploy`
// knows, with `${Name}` substitution (server/template_string.h) and ForEach over a list
// parameter. This file reads and checks a manifest and expands it into the resources to apply;
// it calls nothing. Thread-safe (pure functions and values).

enum class ResourceType {
  kBucket,
  kTopic,
  kFunction,
  kPermission,
  kSubscription,
  kBucketNotification,
  kRestApi,
  kTable,
  kLogSubscription,
  kRole,
  kManagedPolicy,
  kRule
};

// "Bucket", "Topic", ...: the Type names a manifest uses.
std::string_view ResourceTypeName(ResourceType type);

struct Parameter {
  std::string name;
  bool is_list = false;                                   // Type CommaDelimitedList (else String)
  std::optional<std::vector<std::string>> default_value;  // a String's has one element
  std::string allowed_pattern;                            // ECMAScript regex every value matches
  std::string constraint_description;                     // said when a value does not
  std::string description;
};

struct Manifest {
  std::string description;
  std::vector<Parameter> parameters;  // manifest order
  boost::json::array resources;       // as written; PlanResources checks and expands them
};

// Parses serval-blueprint.json: a JSON object with optional Description and Parameters and a
// non-empty Resources list. InvalidArgument says what is wrong and where.
absl::StatusOr<Manifest> ParseManifest(std::string_view text);

// Parameter values: a String's is one element. Every parameter has one after ResolveParameters.
using ParameterValues = std::map<std::string, std::vector<std::string>>;

// The value of every parameter: NAME=VALUE overrides (a list's VALUE is comma-separated), else
// its default. InvalidArgument for an unknown name, a missing value, an empty item or a value
// its AllowedPattern refuses.
absl::StatusOr<ParameterValues> ResolveParameters(const Manifest& manifest,
                                                  const std::vector<std::string>& overrides);

// One resource to apply, ForEach expanded. `properties` are still unsubstituted: they may refer
// to the ARNs of resources applied before them (`${Id.Arn}`), known only while deploying.
struct PlannedResource {
  ResourceType type;
  std::string id;     // optional; `${id.Arn}` names its ARN in later properties of its scope
  std::string where;  // for messages: `Resources[2].Resources[0] (Destination=dst-1)`
  boost::json::object properties;
  std::map<std::string, std::string> variables;  // String parameters, loop variables, AWS::Region
};

// Expands ForEach and checks every resource: a known Type, its required properties present and
// no unknown ones, ids unique in their scope, and every `${...}` naming a String parameter, a
// loop variable in scope, AWS::Region, or `Id.Arn` of a resource before it in its scope (or of
// itself: a Topic's Policy may name the topic's own ARN). InvalidArgument otherwise.
absl::StatusOr<std::vector<PlannedResource>> PlanResources(const Manifest& manifest,
                                                           const ParameterValues& values,
                                                           std::string_view region);

// `value` with every string inside it (not object keys) replaced by edit(string).
absl::StatusOr<boost::json::value> MapJsonStrings(
    const boost::json::value& value,
    const std::function<absl::StatusOr<std::string>(std::string_view text)>& edit);

// `value` with `${...}` substituted in every string inside it (object keys are left alone).
absl::StatusOr<boost::json::value> SubstituteJson(
    const boost::json::value& value,
    const std::function<std::optional<std::string>(std::string_view name)>& lookup);

}  // namespace serval::server
