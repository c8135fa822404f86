#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/aws_api.h"
#include "server/blueprint_manifest.h"

namespace serval::server {

// The appliers of `serval deploy`: each makes one resource of a manifest exist as its
// properties say, through Serval's public APIs, and leaves it alone when it already does — so
// a redeploy creates no duplicates and changes only what the manifest changed. A refused call
// is a FailedPrecondition carrying the AWS error (aws_api.h). Thread-compatible.

// A resource's properties, substituted on demand: `${Param}`, loop variables, AWS::Region, and
// the ARNs (`${Id.Arn}`) of the resources applied before it.
class ResourceProperties {
 public:
  ResourceProperties(const PlannedResource& resource,
                     const std::map<std::string, std::string>& arns)
      : resource_(resource), arns_(arns) {}

  // The property substituted, or nullopt when the manifest does not set it.
  absl::StatusOr<std::optional<boost::json::value>> Get(std::string_view key) const;
  // A property that must be a non-empty string once substituted.
  absl::StatusOr<std::string> String(std::string_view key) const;
  // From now on `${Id.Arn}` of this resource itself is `arn` (a Topic's Policy names its topic).
  void SetOwnArn(std::string arn) { own_arn_ = std::move(arn); }

 private:
  const PlannedResource& resource_;
  const std::map<std::string, std::string>& arns_;
  std::optional<std::string> own_arn_;
};

// What applying one resource did.
struct Applied {
  std::string name;     // what it is called: bucket, topic, function name; a subscription's ARN
  std::string outcome;  // "created", "updated" or "unchanged"
  std::string arn;      // what `${Id.Arn}` means from now on
  std::vector<std::string> details;  // lines printed under the resource's (invoke URLs)
};

struct DeployContext {
  const AwsApi* api;
  // The deployment package of each Function, by the serialized Code property (code_bundle.h).
  const std::map<std::string, std::string>* code_zips;
};

// s3_resources.cc
absl::StatusOr<Applied> ApplyBucket(ResourceProperties& properties, const DeployContext& context);
absl::StatusOr<Applied> ApplyBucketNotification(ResourceProperties& properties,
                                                const DeployContext& context);
// sns_resources.cc
absl::StatusOr<Applied> ApplyTopic(ResourceProperties& properties, const DeployContext& context);
absl::StatusOr<Applied> ApplySubscription(ResourceProperties& properties,
                                          const DeployContext& context);
// lambda_resources.cc
absl::StatusOr<Applied> ApplyFunction(ResourceProperties& properties, const DeployContext& context);
absl::StatusOr<Applied> ApplyPermission(ResourceProperties& properties,
                                        const DeployContext& context);
// Makes the statement `wanted` (AddPermission's input plus FunctionName) part of the function's
// resource policy: "created", "updated" (a statement of that id granting something else is
// replaced) or "unchanged".
absl::StatusOr<std::string> EnsurePermission(const AwsApi& api, const boost::json::object& wanted);

// apigateway_resources.cc
absl::StatusOr<Applied> ApplyRestApi(ResourceProperties& properties, const DeployContext& context);

// dynamodb_resources.cc
absl::StatusOr<Applied> ApplyTable(ResourceProperties& properties, const DeployContext& context);

// logs_resources.cc
absl::StatusOr<Applied> ApplyLogSubscription(ResourceProperties& properties,
                                             const DeployContext& context);

// events_resources.cc
absl::StatusOr<Applied> ApplyRule(ResourceProperties& properties, const DeployContext& context);

// iam_resources.cc
absl::StatusOr<Applied> ApplyRole(ResourceProperties& properties, const DeployContext& context);
absl::StatusOr<Applied> ApplyManagedPolicy(ResourceProperties& properties,
                                           const DeployContext& context);

}  // namespace serval::server
