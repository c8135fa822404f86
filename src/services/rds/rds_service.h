#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "protocol/query.h"
#include "services/platform.h"
#include "services/rds/db_instance.h"
#include "services/rds/instance_store.h"
#include "services/service.h"

namespace serval::rds {

// The RDS front end (query protocol, 2014-10-31), the part an instance scheduler touches, over
// DB instance records (no databases run): Create, Describe, Start, Stop and DeleteDBInstance with
// their lifecycle (db_instance.h), and the tags of an instance by its ARN. docs/rds.md. Runs only
// on the io thread.
class RdsService final : public services::Service {
 public:
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;

 private:
  // The XML inside <ActionResult>, or the error.
  using Reply = std::function<void(absl::StatusOr<std::string>)>;
  using Operation = void (RdsService::*)(const protocol::QueryRequest&, Reply);
  static const absl::flat_hash_map<std::string, Operation>& Operations();

  RdsService(const services::Platform& platform, std::unique_ptr<InstanceStore> instances);

  // instance_operations.cc
  void CreateDbInstance(const protocol::QueryRequest& request, Reply reply);
  void DescribeDbInstances(const protocol::QueryRequest& request, Reply reply);
  void StartDbInstance(const protocol::QueryRequest& request, Reply reply);
  void StopDbInstance(const protocol::QueryRequest& request, Reply reply);
  void DeleteDbInstance(const protocol::QueryRequest& request, Reply reply);
  // tag_operations.cc
  void AddTagsToResource(const protocol::QueryRequest& request, Reply reply);
  void RemoveTagsFromResource(const protocol::QueryRequest& request, Reply reply);
  void ListTagsForResource(const protocol::QueryRequest& request, Reply reply);

  // The caller held to IAM (rds_access.h): OK, or AccessDenied.
  absl::Status Authorize(const protocol::QueryRequest& request,
                         const protocol::Caller& caller) const;
  // Moves `instance` through `change` (from its status now) and answers
  // with it in its new status.
  void ChangeStatus(const DbInstance& instance, Change change, Reply reply);
  // The instance the request's DBInstanceIdentifier names: MissingParameter, InvalidParameterValue
  // for a malformed identifier, DBInstanceNotFound.
  absl::StatusOr<const DbInstance*> NamedInstance(const protocol::QueryRequest& request) const;
  // The instance the request's ResourceName (an ARN) names.
  absl::StatusOr<const DbInstance*> TaggedInstance(const protocol::QueryRequest& request) const;
  // Stores `instance` and answers with `result_xml` once it is on disk.
  void Store(DbInstance instance, std::string result_xml, Reply reply);
  // <DBInstance>...</DBInstance> of `instance` in `status`.
  std::string InstanceXml(const DbInstance& instance, Status status) const;

  services::Platform platform_;
  std::unique_ptr<InstanceStore> instances_;
};

}  // namespace serval::rds
