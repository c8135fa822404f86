#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "protocol/query.h"
#include "services/ec2/instance_store.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::ec2 {

// What a state-changing action does to an instance in each state (indexed by InstanceState):
// enter `to`, leave it as it is (`to` nullopt), or refuse (IncorrectInstanceState).
struct Transition {
  bool allowed = true;
  std::optional<InstanceState> to;
};
using Transitions = std::array<Transition, 6>;

// The EC2 front end (query requests, EC2's XML, 2016-11-15) over instance records: no machine
// runs, but RunInstances, DescribeInstances, Start/Stop/Reboot/TerminateInstances, tags, regions
// and zones answer as EC2 does, and states move pending -> running, stopping -> stopped,
// shutting-down -> terminated after Platform::instance_transition_millis on the platform's
// clock (evaluated when read, so a simulated clock moves them too). docs/ec2.md. Runs only on
// the io thread.
class Ec2Service final : public services::Service {
 public:
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;

  // The answer of an operation: the XML after <requestId>, or the error.
  using Reply = std::function<void(absl::StatusOr<std::string>)>;

 private:
  using Operation = void (Ec2Service::*)(const protocol::QueryRequest&, Reply);
  struct OperationSpec {
    Operation run;
    std::span<const std::string_view> parameters;  // the top-level names the model has
  };
  static const absl::flat_hash_map<std::string, OperationSpec>& Operations();

  Ec2Service(const services::Platform& platform, std::unique_ptr<InstanceStore> instances);

  // instance_operations.cc
  void RunInstances(const protocol::QueryRequest& request, Reply reply);
  void DescribeInstances(const protocol::QueryRequest& request, Reply reply);
  void DescribeInstanceStatus(const protocol::QueryRequest& request, Reply reply);
  void StartInstances(const protocol::QueryRequest& request, Reply reply);
  void StopInstances(const protocol::QueryRequest& request, Reply reply);
  void RebootInstances(const protocol::QueryRequest& request, Reply reply);
  void TerminateInstances(const protocol::QueryRequest& request, Reply reply);

  // tag_operations.cc
  void CreateTags(const protocol::QueryRequest& request, Reply reply);
  void DeleteTags(const protocol::QueryRequest& request, Reply reply);
  void DescribeTags(const protocol::QueryRequest& request, Reply reply);

  // region_operations.cc
  void DescribeRegions(const protocol::QueryRequest& request, Reply reply);
  void DescribeAvailabilityZones(const protocol::QueryRequest& request, Reply reply);

  // Start, Stop and Terminate: each instance of InstanceId.N moved as `transitions` says (all
  // or none), answered with their previous and current states; `refusal` words the
  // IncorrectInstanceState of an instance in a state the action may not leave ("{}" is its id).
  void ChangeStates(const protocol::QueryRequest& request, const Transitions& transitions,
                    std::string_view refusal, Reply reply);

  // The instances `ids` name, in that order: InvalidInstanceID.Malformed for the first id that
  // is not one, InvalidInstanceID.NotFound naming every one that does not exist (or is gone).
  absl::StatusOr<std::vector<const Instance*>> FindInstances(
      std::span<const std::string> ids) const;
  // InstanceId.N, required: MissingParameter when absent.
  absl::StatusOr<std::vector<const Instance*>> RequiredInstances(
      const protocol::QueryRequest& request) const;
  // DryRunOperation when the request's DryRun is true (the caller was allowed: Handle checked).
  static absl::Status DryRun(const protocol::QueryRequest& request);
  // Stores `changed` and answers `body_xml` once it is on disk.
  void Commit(std::vector<Instance> changed, std::string body_xml, Reply reply);

  int64_t Now() const { return platform_.clock->NowMillis(); }

  services::Platform platform_;
  std::unique_ptr<InstanceStore> instances_;
  uint64_t launched_ = 0;
};

}  // namespace serval::ec2
