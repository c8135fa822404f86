#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::survival {

// The survival function's contract (the seed's GenePool API): input {"times": [...], "events":
// [0|1, ...], "values_by_record": [[...], ...]}, output {"statistics_list": [{"hazard": h,
// "pval": p}, ...]} in record order. Records R has no estimate for (a constant predictor, no
// events) get "hazard": null and "pval": null; the others are still computed. Input that cannot
// be fitted at all (not JSON, wrong types, lengths that differ, events not 0/1, NaN/inf, empty
// lists) is InvalidArgument, which the function reports as the seed's StatisticsError.
//
// `threads` records are fitted at once (at least 1). `legacy_pvalue` computes Pr(>|z|) as the
// seed's R (survival 2.39-4) did, reproducing its printed p-values to the last digit at the cost
// of precision below ~1e-16 (see CoxOptions). Thread-safe.
absl::StatusOr<std::string> ComputeSurvivalStatistics(std::string_view request_json, int threads,
                                                      bool legacy_pvalue = false);

// The seed's error object, serialized: {"errorType": "StatisticsError", "httpStatus": 400,
// "request_id": ..., "message": ...} (API Gateway maps httpStatus to the response status).
std::string StatisticsError(std::string_view request_id, std::string_view message);

}  // namespace serval::survival
