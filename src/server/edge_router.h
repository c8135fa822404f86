#pragma once

#include <functional>
#include <string>

#include "common/clock.h"
#include "http/message.h"
#include "http/sigv4.h"
#include "services/events/events_service.h"
#include "services/lambda/code_store.h"
#include "services/lambda/lambda_service.h"

namespace serval::server {

// The one entry point of the edge port: Serval's own open endpoints (/_serval/health, stats,
// clock) first; every other request must carry a valid AWS Signature V4 (unless `credentials` is
// null: --no-auth): code downloads (/_serval/code/..., GetFunction's presigned Code.Location) and
// the AWS front ends, chosen by path or X-Amz-Target. Runs only on the io thread.
class EdgeRouter {
 public:
  EdgeRouter(lambda::LambdaService* lambda, events::EventsService* events,
             lambda::CodeStore* code_store, const http::CredentialStore* credentials,
             const Clock* signature_clock)
      : lambda_(lambda),
        events_(events),
        code_store_(code_store),
        credentials_(credentials),
        signature_clock_(signature_clock) {}

  void Handle(http::Request&& request, http::Responder respond);
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

 private:
  void ServeCode(const http::Request& request, http::Responder& respond);

  lambda::LambdaService* lambda_;
  events::EventsService* events_;
  lambda::CodeStore* code_store_;
  const http::CredentialStore* credentials_;
  const Clock* signature_clock_;  // judges signature timestamps: always real time
  std::function<int64_t(int64_t)> advance_clock_;
  std::function<std::string()> stats_json_;
};

}  // namespace serval::server
