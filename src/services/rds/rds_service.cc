#include "services/rds/rds_service.h"

#include <boost/json/object.hpp>
#include <utility>

#include "protocol/protocol.h"
#include "protocol/xml.h"
#include "services/access_check.h"
#include "services/rds/rds_access.h"
#include "services/rds/rds_xml.h"

namespace serval::rds {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kQuery;
constexpr std::string_view kNamespace = "http://rds.amazonaws.com/doc/2014-10-31/";

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> RdsService::Create(
    const services::Platform& platform) {
  absl::StatusOr<std::unique_ptr<InstanceStore>> instances =
      InstanceStore::Open(platform.metadata, platform.clock, platform.instance_transition_millis);
  if (!instances.ok()) return instances.status();
  return std::unique_ptr<services::Service>(new RdsService(platform, *std::move(instances)));
}

RdsService::RdsService(const services::Platform& platform, std::unique_ptr<InstanceStore> instances)
    : platform_(platform), instances_(std::move(instances)) {}

const services::ServiceInfo& RdsService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "rds",
      .signing_name = "rds",
      .protocol = kProtocol,
      .claims_signed_requests = true,
  };
  return kInfo;
}

const absl::flat_hash_map<std::string, RdsService::Operation>& RdsService::Operations() {
  static const auto* kOperations = new absl::flat_hash_map<std::string, Operation>{
      {"CreateDBInstance", &RdsService::CreateDbInstance},
      {"DescribeDBInstances", &RdsService::DescribeDbInstances},
      {"StartDBInstance", &RdsService::StartDbInstance},
      {"StopDBInstance", &RdsService::StopDbInstance},
      {"DeleteDBInstance", &RdsService::DeleteDbInstance},
      {"AddTagsToResource", &RdsService::AddTagsToResource},
      {"RemoveTagsFromResource", &RdsService::RemoveTagsFromResource},
      {"ListTagsForResource", &RdsService::ListTagsForResource},
  };
  return *kOperations;
}

void RdsService::Handle(protocol::RequestContext context, http::Responder respond) {
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
  absl::Status allowed = Authorize(*request, context.caller);
  if (!allowed.ok()) return fail(allowed);
  Reply reply = [respond = std::move(respond), action = request->action,
                 request_id](absl::StatusOr<std::string> result) {
    if (!result.ok()) {
      return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
    }
    respond(protocol::QueryResponse(action, kNamespace, *result, request_id));
  };
  (this->*(operation->second))(*request, std::move(reply));
}

absl::Status RdsService::Authorize(const protocol::QueryRequest& request,
                                   const protocol::Caller& caller) const {
  if (!services::AccessChecked(platform_.authorizer, caller)) return absl::OkStatus();
  absl::StatusOr<services::AccessRequests> requests = AccessRequestsFor(request, platform_.account);
  if (!requests.ok()) return requests.status();
  return services::CheckAccess(platform_.authorizer, caller, "AccessDenied",
                               [&] { return *std::move(requests); });
}

void RdsService::AddStats(boost::json::object& stats) const {
  stats["rds_instances"] = instances_->LiveCount();
}

std::string RdsService::InstanceXml(const DbInstance& instance, Status status) const {
  protocol::XmlWriter xml;
  WriteDbInstance(instance, status, platform_.account, xml);
  return xml.Take();
}

void RdsService::Store(DbInstance instance, std::string result_xml, Reply reply) {
  instances_->Put(std::move(instance), [reply = std::move(reply),
                                        result_xml = std::move(result_xml)](absl::Status stored) {
    if (!stored.ok()) return reply(std::move(stored));
    reply(result_xml);
  });
}

}  // namespace serval::rds
