#include "services/monitoring/monitoring_service.h"

#include "common/gzip.h"
#include "common/text.h"
#include "invoker/invoker.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "protocol/protocol.h"
#include "protocol/query.h"
#include "services/monitoring/cloudwatch_shapes.h"
#include "services/monitoring/monitoring_access.h"
#include "services/monitoring/monitoring_errors.h"
#include "services/monitoring/prometheus.h"

namespace serval::monitoring {
namespace {

constexpr std::string_view kTargetPrefix = "GraniteServiceVersion20100801.";
constexpr std::string_view kNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
// Prometheus' scrape path; "$": this path only (a bucket named "metrics-x" is still S3's).
constexpr std::string_view kPrometheusPath = "/metrics";

bool IsJson(const http::Request& headers) {
  return headers.Header("X-Amz-Target").starts_with(kTargetPrefix);
}

// What a gzip body may decompress to: PutMetricData takes 1 MB; well above that is not a
// metrics batch.
constexpr size_t kMaxDecompressedBody = 4 << 20;

// CloudWatch takes compressed requests (PutMetricData's requestcompression trait): current SDKs
// gzip a body of 10 KB or more and say so in Content-Encoding. The signature covered the
// compressed bytes (checked at the edge); the operations read the plain ones.
absl::Status DecompressBody(http::Request& request) {
  const std::string_view encoding = TrimBlanks(request.Header("Content-Encoding"));
  if (!EqualsIgnoreCase(encoding, "gzip")) return absl::OkStatus();
  absl::StatusOr<std::string> plain = GzipDecompress(request.body, kMaxDecompressedBody);
  if (!plain.ok()) {
    return InvalidParameterValue("The request body with Content-Encoding gzip cannot be read: " +
                                 std::string(plain.status().message()));
  }
  request.body = *std::move(plain);
  std::erase_if(request.headers, [](const auto& header) {
    return EqualsIgnoreCase(header.first, "Content-Encoding");
  });
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> MonitoringService::Create(
    const services::Platform& platform) {
  return std::make_unique<MonitoringService>(Dependencies{.clock = platform.clock,
                                                          .store = platform.metrics,
                                                          .lambda = platform.lambda_metrics,
                                                          .invoker = platform.invoker,
                                                          .authorizer = platform.authorizer});
}

const services::ServiceInfo& MonitoringService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "monitoring",
      .signing_name = "monitoring",
      .protocol = protocol::Protocol::kQuery,
      .target_prefixes = {kTargetPrefix},
      .path_prefixes = {"/metrics$"},
      .claims_signed_requests = true,
  };
  return kInfo;
}

services::Access MonitoringService::AccessFor(const http::Request& headers) const {
  return headers.RawPath() == kPrometheusPath ? services::Access::kSignedOrBasic
                                              : services::Access::kSigned;
}

protocol::Protocol MonitoringService::ProtocolFor(const http::Request& headers) const {
  return IsJson(headers) ? protocol::Protocol::kAwsJson1_0 : protocol::Protocol::kQuery;
}

const protocol::JsonOperationTable<MonitoringService>& MonitoringService::Operations() {
  static const auto* kOperations = new protocol::JsonOperationTable<MonitoringService>{
      {"PutMetricData", &MonitoringService::PutMetricData},
      {"GetMetricStatistics", &MonitoringService::GetMetricStatistics},
      {"GetMetricData", &MonitoringService::GetMetricData},
      {"ListMetrics", &MonitoringService::ListMetrics},
  };
  return *kOperations;
}

const absl::flat_hash_map<std::string, MonitoringService::QueryShapes>&
MonitoringService::ShapesOf() {
  static const auto* kShapes = new absl::flat_hash_map<std::string, QueryShapes>{
      {"PutMetricData", {&kPutMetricDataInput, &kEmptyOutput}},
      {"GetMetricStatistics", {&kGetMetricStatisticsInput, &kGetMetricStatisticsOutput}},
      {"GetMetricData", {&kGetMetricDataInput, &kGetMetricDataOutput}},
      {"ListMetrics", {&kListMetricsInput, &kListMetricsOutput}},
  };
  return *kShapes;
}

void MonitoringService::Handle(protocol::RequestContext context, http::Responder respond) {
  if (context.request.RawPath() == kPrometheusPath && context.request.method == "GET") {
    return HandlePrometheus(context, std::move(respond));
  }
  if (absl::Status decompressed = DecompressBody(context.request); !decompressed.ok()) {
    return respond(
        protocol::ErrorResponse(ProtocolFor(context.request), decompressed, context.request_id));
  }
  if (IsJson(context.request)) {
    const auto authorize = [this, &context](const protocol::JsonRpcRequest& request) {
      return Authorize(context.caller, request.operation, request.input);
    };
    return protocol::ServeJsonRpc(protocol::Protocol::kAwsJson1_0, kTargetPrefix, Operations(),
                                  *this, context, authorize, std::move(respond));
  }
  HandleQuery(context, std::move(respond));
}

void MonitoringService::HandleQuery(const protocol::RequestContext& context,
                                    http::Responder respond) {
  constexpr protocol::Protocol kQuery = protocol::Protocol::kQuery;
  const std::string& request_id = context.request_id;
  absl::StatusOr<protocol::QueryRequest> request = protocol::DecodeQuery(context.request);
  if (!request.ok()) return respond(protocol::ErrorResponse(kQuery, request.status(), request_id));
  auto operation = Operations().find(request->action);
  if (operation == Operations().end()) {
    return respond(protocol::ErrorResponse(
        kQuery, protocol::UnknownOperation(kQuery, request->action), request_id));
  }
  const QueryShapes& shapes = ShapesOf().at(request->action);
  absl::StatusOr<boost::json::object> input = protocol::QueryInputToJson(*request, *shapes.input);
  if (!input.ok()) return respond(protocol::ErrorResponse(kQuery, input.status(), request_id));
  if (absl::Status allowed = Authorize(context.caller, request->action, *input); !allowed.ok()) {
    return respond(protocol::ErrorResponse(kQuery, allowed, request_id));
  }
  protocol::RunJsonOperation(
      operation->second, *this, *input,
      [respond = std::move(respond), action = request->action, output_shape = shapes.output,
       request_id](absl::StatusOr<boost::json::object> output) {
        if (!output.ok())
          return respond(protocol::ErrorResponse(kQuery, output.status(), request_id));
        respond(protocol::QueryResponse(action, kNamespace,
                                        protocol::JsonOutputToQueryXml(*output, *output_shape),
                                        request_id));
      });
}

absl::Status MonitoringService::Authorize(const protocol::Caller& caller,
                                          std::string_view operation,
                                          const boost::json::object& input) {
  absl::Status allowed = services::CheckAccess(deps_.authorizer, caller, "AccessDenied",
                                               [&] { return AccessRequestsFor(operation, input); });
  return allowed.ok() ? allowed : AccessDenied(std::move(allowed));
}

void MonitoringService::HandlePrometheus(const protocol::RequestContext& context,
                                         http::Responder respond) {
  http::Response response{
      .status = 200,
      .body = RenderPrometheus(
          *deps_.lambda, PrometheusGauges{.async_queue_depth = deps_.invoker->stats().async_queued,
                                          .metric_series = deps_.store->stats().series})};
  response.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  protocol::SetRequestId(protocol::Protocol::kQuery, context.request_id, response);
  respond(std::move(response));
}

void MonitoringService::Drain(std::function<void()> done) { deps_.store->Drain(std::move(done)); }

void MonitoringService::AddStats(boost::json::object& stats) const {
  const metrics::MetricStore::Stats store = deps_.store->stats();
  stats["metrics_series"] = store.series;
  stats["metrics_pending_buckets"] = store.pending;
  stats["metrics_flushes"] = store.flushes;
  stats["metrics_flush_failures"] = store.flush_failures;
  stats["metrics_queries"] = store.queries;
  stats["lambda_in_flight"] = deps_.lambda->in_flight();
}

}  // namespace serval::monitoring
