// The survival statistics function (provided runtime): the seed's GenePool Lambda, with R's
// coxph replaced by serval::survival. See survival_request.h for the contract.

#include <thread>

#include "blueprints/survival/survival_request.h"
#include "serval/lambda_runtime.h"

int main() {
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return serval::lambda::Run([threads](const serval::lambda::Invocation& invocation) {
    auto statistics = serval::survival::ComputeSurvivalStatistics(invocation.payload, threads);
    if (statistics.ok()) return serval::lambda::Response::Success(std::move(*statistics));
    // As the seed's handler does: the error object, serialized, is the error message, so that
    // API Gateway's selection pattern .*"httpStatus": 400.* maps it to a 400.
    return serval::lambda::Response::Failure(
        serval::survival::StatisticsError(invocation.request_id,
                                          std::string(statistics.status().message())),
        "StatisticsError");
  });
}
