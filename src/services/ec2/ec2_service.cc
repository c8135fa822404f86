#include "services/ec2/ec2_service.h"

#include <array>
#include <boost/json/object.hpp>
#include <utility>

#include "common/aws_error.h"
#include "protocol/protocol.h"
#include "services/access_check.h"
#include "services/ec2/ec2_access.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_request.h"
#include "services/ec2/ec2_xml.h"

namespace serval::ec2 {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kEc2;

// Each operation's parameters as botocore's model (ec2 2016-11-15) names them on the wire: a
// name outside its list is EC2's UnknownParameter.
constexpr std::array<std::string_view, 44> kRunInstancesParameters{
    "BlockDeviceMapping",
    "ImageId",
    "InstanceType",
    "Ipv6AddressCount",
    "Ipv6Address",
    "KernelId",
    "KeyName",
    "MaxCount",
    "MinCount",
    "Monitoring",
    "Placement",
    "RamdiskId",
    "SecurityGroupId",
    "SecurityGroup",
    "SubnetId",
    "UserData",
    "ElasticGpuSpecification",
    "ElasticInferenceAccelerator",
    "TagSpecification",
    "LaunchTemplate",
    "InstanceMarketOptions",
    "CreditSpecification",
    "CpuOptions",
    "CapacityReservationSpecification",
    "HibernationOptions",
    "LicenseSpecification",
    "MetadataOptions",
    "EnclaveOptions",
    "PrivateDnsNameOptions",
    "MaintenanceOptions",
    "DisableApiStop",
    "EnablePrimaryIpv6",
    "NetworkPerformanceOptions",
    "Operator",
    "SecondaryInterface",
    "DryRun",
    "DisableApiTermination",
    "InstanceInitiatedShutdownBehavior",
    "PrivateIpAddress",
    "ClientToken",
    "AdditionalInfo",
    "NetworkInterface",
    "IamInstanceProfile",
    "EbsOptimized"};
constexpr std::array<std::string_view, 6> kDescribeInstancesParameters{
    "InstanceId", "IncludeManagedResources", "DryRun", "Filter", "NextToken", "MaxResults"};
constexpr std::array<std::string_view, 7> kDescribeInstanceStatusParameters{
    "InstanceId", "MaxResults", "NextToken",          "IncludeManagedResources",
    "DryRun",     "Filter",     "IncludeAllInstances"};
constexpr std::array<std::string_view, 3> kStartParameters{"InstanceId", "AdditionalInfo",
                                                           "DryRun"};
constexpr std::array<std::string_view, 5> kStopParameters{"InstanceId", "Hibernate",
                                                          "SkipOsShutdown", "DryRun", "Force"};
constexpr std::array<std::string_view, 2> kRebootParameters{"InstanceId", "DryRun"};
constexpr std::array<std::string_view, 4> kTerminateParameters{"InstanceId", "Force",
                                                               "SkipOsShutdown", "DryRun"};
constexpr std::array<std::string_view, 3> kTagParameters{"DryRun", "ResourceId", "Tag"};
constexpr std::array<std::string_view, 4> kDescribeTagsParameters{"DryRun", "Filter", "MaxResults",
                                                                  "NextToken"};
constexpr std::array<std::string_view, 4> kDescribeRegionsParameters{"RegionName", "AllRegions",
                                                                     "DryRun", "Filter"};
constexpr std::array<std::string_view, 5> kDescribeZonesParameters{
    "ZoneName", "ZoneId", "AllAvailabilityZones", "DryRun", "Filter"};

// EC2's denial: UnauthorizedOperation, 403, AWS's sentence before IAM's explanation.
absl::Status Unauthorized(const absl::Status& denied) {
  return WithHttpStatus(AwsError(absl::StatusCode::kPermissionDenied, "UnauthorizedOperation",
                                 "You are not authorized to perform this operation. " +
                                     std::string(denied.message())),
                        403);
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> Ec2Service::Create(
    const services::Platform& platform) {
  absl::StatusOr<std::unique_ptr<InstanceStore>> instances =
      InstanceStore::Open(platform.metadata, platform.clock->NowMillis());
  if (!instances.ok()) return instances.status();
  return std::unique_ptr<services::Service>(new Ec2Service(platform, *std::move(instances)));
}

Ec2Service::Ec2Service(const services::Platform& platform, std::unique_ptr<InstanceStore> instances)
    : platform_(platform), instances_(std::move(instances)) {}

const services::ServiceInfo& Ec2Service::info() const {
  static const services::ServiceInfo kInfo{
      .name = "ec2",
      .signing_name = "ec2",
      .protocol = kProtocol,
      .claims_signed_requests = true,
  };
  return kInfo;
}

const absl::flat_hash_map<std::string, Ec2Service::OperationSpec>& Ec2Service::Operations() {
  static const auto* kOperations = new absl::flat_hash_map<std::string, OperationSpec>{
      {"RunInstances", {&Ec2Service::RunInstances, kRunInstancesParameters}},
      {"DescribeInstances", {&Ec2Service::DescribeInstances, kDescribeInstancesParameters}},
      {"DescribeInstanceStatus",
       {&Ec2Service::DescribeInstanceStatus, kDescribeInstanceStatusParameters}},
      {"StartInstances", {&Ec2Service::StartInstances, kStartParameters}},
      {"StopInstances", {&Ec2Service::StopInstances, kStopParameters}},
      {"RebootInstances", {&Ec2Service::RebootInstances, kRebootParameters}},
      {"TerminateInstances", {&Ec2Service::TerminateInstances, kTerminateParameters}},
      {"CreateTags", {&Ec2Service::CreateTags, kTagParameters}},
      {"DeleteTags", {&Ec2Service::DeleteTags, kTagParameters}},
      {"DescribeTags", {&Ec2Service::DescribeTags, kDescribeTagsParameters}},
      {"DescribeRegions", {&Ec2Service::DescribeRegions, kDescribeRegionsParameters}},
      {"DescribeAvailabilityZones",
       {&Ec2Service::DescribeAvailabilityZones, kDescribeZonesParameters}},
  };
  return *kOperations;
}

void Ec2Service::Handle(protocol::RequestContext context, http::Responder respond) {
  const std::string request_id = context.request_id;
  auto fail = [&](const absl::Status& status) {
    respond(protocol::ErrorResponse(kProtocol, status, request_id));
  };
  absl::StatusOr<protocol::QueryRequest> request = protocol::DecodeQuery(context.request);
  if (!request.ok()) return fail(request.status());
  auto operation = Operations().find(request->action);
  if (operation == Operations().end()) {
    return fail(protocol::UnknownOperation(kProtocol, request->action));
  }
  if (absl::Status known = CheckKnownParameters(*request, operation->second.parameters);
      !known.ok()) {
    return fail(known);
  }
  absl::Status allowed =
      services::CheckAccess(platform_.authorizer, context.caller, "UnauthorizedOperation", [&] {
        absl::StatusOr<services::AccessRequests> requests = AccessRequestsFor(
            *request, platform_.account,
            [this](std::string_view id) -> const std::map<std::string, std::string>* {
              const Instance* instance = instances_->Find(id);
              return instance ? &instance->tags : nullptr;
            });
        return requests.ok() ? *std::move(requests) : services::AccessRequests{};
      });
  if (!allowed.ok()) {
    return fail(allowed.code() == absl::StatusCode::kPermissionDenied ? Unauthorized(allowed)
                                                                      : allowed);
  }
  Reply reply = [respond = std::move(respond), action = request->action,
                 request_id](absl::StatusOr<std::string> result) {
    if (!result.ok()) {
      return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
    }
    respond(Ec2Response(action, *result, request_id));
  };
  (this->*(operation->second.run))(*request, std::move(reply));
}

void Ec2Service::AddStats(boost::json::object& stats) const {
  stats["ec2_instances"] = instances_->instances().size();
  stats["ec2_instances_launched"] = launched_;
}

absl::StatusOr<std::vector<const Instance*>> Ec2Service::FindInstances(
    std::span<const std::string> ids) const {
  std::vector<const Instance*> found;
  std::vector<std::string> missing;
  const int64_t now = Now();
  for (const std::string& id : ids) {
    if (!IsResourceId(id, "i-")) return MalformedInstanceId(id);
    const Instance* instance = instances_->Find(id);
    if (instance == nullptr || Expired(*instance, now)) {
      missing.push_back(id);
    } else {
      found.push_back(instance);
    }
  }
  if (!missing.empty()) return InstancesNotFound(missing);
  return found;
}

absl::StatusOr<std::vector<const Instance*>> Ec2Service::RequiredInstances(
    const protocol::QueryRequest& request) const {
  const std::vector<std::string> ids = ReadList(request, "InstanceId");
  if (ids.empty()) return MissingParameter("InstanceId");
  return FindInstances(ids);
}

absl::Status Ec2Service::DryRun(const protocol::QueryRequest& request) {
  absl::StatusOr<bool> dry_run = ReadBool(request, "DryRun");
  if (!dry_run.ok()) return dry_run.status();
  return *dry_run ? DryRunOperation() : absl::OkStatus();
}

void Ec2Service::Commit(std::vector<Instance> changed, std::string body_xml, Reply reply) {
  instances_->Put(std::move(changed), Now(),
                  [reply = std::move(reply), body_xml = std::move(body_xml)](absl::Status stored) {
                    if (!stored.ok()) return reply(std::move(stored));
                    reply(body_xml);
                  });
}

}  // namespace serval::ec2
