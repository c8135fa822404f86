// The survival statistics function (provided runtime): the seed's GenePool Lambda, with R's
// coxph replaced by serval::survival. See survival_request.h for the contract.

#include <cstdlib>
#include <string_view>
#include <thread>

#include "blueprints/survival/survival_request.h"
#include "serval/lambda_runtime.h"

int main() {
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // PVALUE_FORMULA=legacy: the seed's R (survival 2.39-4) p-values, digit for digit; the default
  // is today's R, accurate far into the tail.
  const char* formula = std::getenv("PVALUE_FORMULA");
  const bool legacy = formula != nullptr && std::string_view(formula) == "legacy";
  return serval::lambda::Run([threads, legacy](const serval::lambda::Invocation& invocation) {
    auto statistics =
        serval::survival::ComputeSurvivalStatistics(invocation.payload, threads, legacy);
    if (statistics.ok()) return serval::lambda::Response::Success(std::move(*statistics));
    // As the seed's handler does: the error object, serialized, is the error message, so that
    // API Gateway's selection pattern .*"httpStatus": 400.* maps it to a 400.
    return serval::lambda::Response::Failure(
        serval::survival::StatisticsError(invocation.request_id,
                                          std::string(statistics.status().message())),
        "StatisticsError");
  });
}
