#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "http/message.h"
#include "http/server.h"
#include "http/sigv4.h"
#include "services/events/events_service.h"
#include "services/lambda/code_store.h"
#include "services/lambda/lambda_service.h"

namespace serval::server {

// The one entry point of the edge port: Serval's own open endpoints (/_serval/health, stats,
// clock) first; every other request must carry a valid AWS Signature V4 scoped to Serval's
// region and to the service of its route (unless `credentials` is null: --no-auth): code
// downloads (/_serval/code/..., GetFunction's presigned Code.Location) and the AWS front ends,
// chosen by path or X-Amz-Target. What the headers show wrong is refused before the body is read
// (ScreenHeader); the rest once it has been, before any front end sees the request. Every answer
// the edge writes itself comes from one JSON error writer (all front ends speak JSON). Runs only
// on the io thread.
class EdgeRouter {
 public:
  EdgeRouter(lambda::LambdaService* lambda, events::EventsService* events,
             lambda::CodeStore* code_store, const http::CredentialStore* credentials,
             const Clock* signature_clock, std::string region, size_t body_limit)
      : lambda_(lambda),
        events_(events),
        code_store_(code_store),
        credentials_(credentials),
        signature_clock_(signature_clock),
        region_(std::move(region)),
        body_limit_(body_limit) {}

  // http::ServerOptions::screen_header: refuses, from the request line and headers, a request
  // that needs a signature and cannot have a valid one.
  std::optional<http::Response> ScreenHeader(const http::Request& headers) const;
  void Handle(http::Request&& request, http::Responder respond);
  // http::ServerOptions::refusal_response: the HTTP server's own refusals in the JSON shape.
  static http::Response RefusalResponse(http::Refusal refusal);
  // Serves GET /_serval/stats: a JSON document of internal counters (for benchmarks and
  // operators; unauthenticated like /_serval/health).
  void SetStatsSource(std::function<std::string()> stats_json) {
    stats_json_ = std::move(stats_json);
  }
  // Serves POST /_serval/clock/advance?seconds=N (only with --simulated-clock); `advance` moves
  // the simulated clock and returns its new time.
  void EnableClockControl(std::function<int64_t(int64_t millis)> advance) {
    advance_clock_ = std::move(advance);
  }
  // Verified calls made with execution environments' temporary keys, by function ARN: which
  // function called Serval, and how often.
  const std::map<std::string, uint64_t>& calls_by_function() const { return calls_by_function_; }

 private:
  enum class Route { kHealth, kStats, kClockAdvance, kCode, kEvents, kLambda, kNone };

  Route RouteOf(const http::Request& request) const;
  // The signature checks of `route`; nullopt for the open routes and under --no-auth.
  std::optional<http::SigV4Options> SignatureRule(Route route) const;
  void ServeCode(const http::Request& request, http::Responder& respond);

  lambda::LambdaService* lambda_;
  events::EventsService* events_;
  lambda::CodeStore* code_store_;
  const http::CredentialStore* credentials_;
  const Clock* signature_clock_;  // judges signature timestamps: always real time
  std::string region_;            // the one region credential scopes may name
  size_t body_limit_;
  std::function<int64_t(int64_t)> advance_clock_;
  std::function<std::string()> stats_json_;
  std::map<std::string, uint64_t> calls_by_function_;
};

}  // namespace serval::server
