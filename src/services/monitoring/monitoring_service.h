#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "protocol/json_rpc.h"
#include "protocol/query_shape.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::metrics {
class MetricStore;
class LambdaRecorder;
}  // namespace serval::metrics

namespace serval::monitoring {

// CloudWatch's metrics API (signing name `monitoring`, 2010-08-01) over Serval's metric store:
// PutMetricData, GetMetricStatistics, GetMetricData (MetricStat queries; no metric math) and
// ListMetrics, in both protocols clients speak: query (Action=..., XML; CLI v2.9, boto3 1.26)
// and awsJson 1.0 (X-Amz-Target GraniteServiceVersion20100801.*; botocore 1.42.7+, the JS SDK).
// Each operation is written once over awsJson documents; query requests are converted by the
// model's shapes (cloudwatch_shapes.h). Also serves GET /metrics in Prometheus' text format,
// to a SigV4 signature or Basic auth with an access key and its secret. docs/metrics.md says
// what it supports. Runs only on the io thread.
class MonitoringService : public services::Service {
 public:
  struct Dependencies {
    const Clock* clock = nullptr;
    metrics::MetricStore* store = nullptr;
    const metrics::LambdaRecorder* lambda = nullptr;
    const invoker::Invoker* invoker = nullptr;  // the async queue's depth, for Prometheus
    iam::Authorizer* authorizer = nullptr;      // null: every request is allowed
  };

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  explicit MonitoringService(Dependencies dependencies) : deps_(dependencies) {}

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request& headers) const override;
  protocol::Protocol ProtocolFor(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void Drain(std::function<void()> done) override;
  void AddStats(boost::json::object& stats) const override;

  // The operations (metric_operations.cc), over awsJson documents.
  absl::StatusOr<boost::json::object> PutMetricData(const boost::json::object& input);
  void GetMetricStatistics(const boost::json::object& input, protocol::JsonOperationDone done);
  void GetMetricData(const boost::json::object& input, protocol::JsonOperationDone done);
  absl::StatusOr<boost::json::object> ListMetrics(const boost::json::object& input);

 private:
  // The structures of an operation's input and output, for the query protocol.
  struct QueryShapes {
    const protocol::QueryShape* input;
    const protocol::QueryShape* output;
  };
  static const protocol::JsonOperationTable<MonitoringService>& Operations();
  static const absl::flat_hash_map<std::string, QueryShapes>& ShapesOf();
  void HandleQuery(const protocol::RequestContext& context, http::Responder respond);
  // The access check of a decoded request of either protocol (monitoring_access.h).
  absl::Status Authorize(const protocol::Caller& caller, std::string_view operation,
                         const boost::json::object& input);
  void HandlePrometheus(const protocol::RequestContext& context, http::Responder respond);

  Dependencies deps_;
};

}  // namespace serval::monitoring
