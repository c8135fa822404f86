#include "blueprints/survival/survival_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <iterator>
#include <thread>
#include <vector>

#include "blueprints/survival/cox.h"

namespace serval::survival {
namespace {

namespace json = boost::json;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// The request's three arrays, read straight from the text. Boost.JSON 1.81 may round a double's
// last bit differently from strtod; the seed's numbers must be bit-exact, so numbers are taken
// from their text with std::from_chars (correctly rounded), through basic_parser's callbacks.
struct SurvivalInput {
  std::vector<double> times;
  std::vector<double> events;
  std::vector<std::vector<double>> records;
  bool has_times = false, has_events = false, has_records = false;
};

// A basic_parser handler for {"times": [n...], "events": [n...], "values_by_record": [[n...]...]}
// (other members are ignored). The first shape error wins and stops the parse.
class SurvivalHandler {
 public:
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);
  using ec = json::error_code;

  SurvivalInput input;
  std::string error;

  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_object_begin(ec& e) {
    if (depth_ == 0) {
      top_is_object_ = true;
    } else if (Target()) {
      return Fail(e, Field() + " must contain only numbers");
    }
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, ec&) {
    --depth_;
    return true;
  }
  bool on_array_begin(ec& e) {
    if (depth_ == 0) return Fail(e, "the request must be a JSON object");
    if (depth_ == 1) {
      if (key_ == "times") input.has_times = true;
      if (key_ == "events") input.has_events = true;
      if (key_ == "values_by_record") input.has_records = true;
    } else if (depth_ == 2 && key_ == "values_by_record") {
      input.records.emplace_back();
    } else if (Target()) {
      return Fail(e, Field() + " must contain only numbers");
    }
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, ec&) {
    --depth_;
    return true;
  }
  bool on_key_part(json::string_view part, std::size_t, ec&) {
    if (depth_ == 1) pending_key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, ec&) {
    if (depth_ == 1) {
      pending_key_.append(part.data(), part.size());
      key_ = std::move(pending_key_);
      pending_key_.clear();
    }
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, ec&) { return true; }
  bool on_string(json::string_view, std::size_t, ec& e) { return Scalar(e, "strings"); }
  bool on_number_part(json::string_view part, ec&) {
    number_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view text, ec& e) { return Number(text, e); }
  bool on_uint64(std::uint64_t, json::string_view text, ec& e) { return Number(text, e); }
  bool on_double(double, json::string_view text, ec& e) { return Number(text, e); }
  bool on_bool(bool, ec& e) { return Scalar(e, "booleans"); }
  bool on_null(ec& e) { return Scalar(e, "nulls"); }
  bool on_comment_part(json::string_view, ec&) { return true; }
  bool on_comment(json::string_view, ec&) { return true; }

  bool top_is_object() const { return top_is_object_; }

 private:
  // Whether the parser is inside one of the three arrays we read.
  bool Target() const {
    return depth_ >= 2 && (key_ == "times" || key_ == "events" || key_ == "values_by_record");
  }
  std::string Field() const {
    return key_ == "values_by_record" ? "each record of values_by_record" : key_;
  }
  bool Fail(ec& e, std::string message) {
    error = std::move(message);
    e = json::error::syntax;  // any error stops the parser; `error` says what it was
    return false;
  }
  bool Scalar(ec& e, const char* kind) {
    if (depth_ == 1 && (key_ == "times" || key_ == "events" || key_ == "values_by_record")) {
      return Fail(e, key_ + " must be an array");
    }
    if (Target()) return Fail(e, Field() + " must contain only numbers, not " + kind);
    return true;
  }
  bool Number(json::string_view last, ec& e) {
    number_.append(last.data(), last.size());
    std::string text = std::move(number_);
    number_.clear();
    if (depth_ == 1 && (key_ == "times" || key_ == "events" || key_ == "values_by_record")) {
      return Fail(e, key_ + " must be an array");
    }
    if (!Target()) return true;
    double value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      return Fail(e, Field() + " must contain only finite numbers");
    }
    if (key_ == "times" && depth_ == 2) {
      input.times.push_back(value);
    } else if (key_ == "events" && depth_ == 2) {
      input.events.push_back(value);
    } else if (key_ == "values_by_record" && depth_ == 3) {
      input.records.back().push_back(value);
    } else {
      return Fail(e, Field() + " has the wrong shape");
    }
    return true;
  }

  int depth_ = 0;
  bool top_is_object_ = false;
  std::string key_;          // the current member of the top-level object
  std::string pending_key_;  // a key arriving in parts
  std::string number_;       // a number arriving in parts
};

absl::StatusOr<SurvivalInput> ParseInput(std::string_view request_json) {
  json::basic_parser<SurvivalHandler> parser{json::parse_options{}};
  json::error_code ec;
  parser.write_some(false, request_json.data(), request_json.size(), ec);
  if (!parser.handler().error.empty()) return Invalid(parser.handler().error);
  if (ec || !parser.handler().top_is_object()) return Invalid("the request must be a JSON object");
  SurvivalInput input = std::move(parser.handler().input);
  if (!input.has_times || !input.has_events || !input.has_records) {
    return Invalid("the request needs times, events and values_by_record");
  }
  return input;
}

std::string NumberOrNull(bool estimate, double number) {
  return estimate && std::isfinite(number) ? fmt::format("{}", number) : "null";
}

}  // namespace

std::string StatisticsError(std::string_view request_id, std::string_view message) {
  // Written as the seed's Python handler's json.dumps writes it (", " and ": " separators, keys
  // in its order), because the post's selection pattern .*"httpStatus": 400,.* depends on that.
  return fmt::format(
      R"({{"errorType": "StatisticsError", "httpStatus": 400, "request_id": {}, "message": {}}})",
      json::serialize(json::string(request_id)), json::serialize(json::string(message)));
}

absl::StatusOr<std::string> ComputeSurvivalStatistics(std::string_view request_json, int threads,
                                                      bool legacy_pvalue) {
  auto input = ParseInput(request_json);
  if (!input.ok()) return input.status();
  if (input->times.empty()) return Invalid("times must not be empty");
  std::vector<int> events;
  events.reserve(input->events.size());
  for (double event : input->events) {
    if (event != 0 && event != 1) return Invalid("events must be 0 or 1");
    events.push_back(static_cast<int>(event));
  }
  if (input->times.size() != events.size()) {
    return Invalid("times and events must have the same length");
  }
  const std::vector<std::vector<double>>& records = input->records;
  if (records.empty()) return Invalid("values_by_record must not be empty");
  for (const auto& record : records) {
    if (record.size() != input->times.size()) {
      return Invalid("each record of values_by_record must have one value per time");
    }
  }
  CoxOptions options;
  options.legacy_pvalue = legacy_pvalue;
  auto dataset = CoxDataset::Create(input->times, events, options);
  if (!dataset.ok()) return dataset.status();

  // Records are independent: fit them on `threads` threads, each with its own workspace.
  std::vector<absl::StatusOr<CoxResult>> results(records.size(), absl::UnknownError("not fitted"));
  const int workers = std::clamp<int>(threads, 1, static_cast<int>(records.size()));
  auto fit_every = [&](int worker) {
    CoxWorkspace workspace;
    for (size_t i = worker; i < records.size(); i += workers) {
      results[i] = dataset->Fit(records[i], workspace);
    }
  };
  std::vector<std::thread> pool;
  for (int worker = 1; worker < workers; ++worker) pool.emplace_back(fit_every, worker);
  fit_every(0);
  for (std::thread& thread : pool) thread.join();

  // Numbers are written as the shortest text that reads back as the same double (what Python's
  // json, and so the seed's API, prints), not in Boost.JSON's exponent form.
  std::string out = R"({"statistics_list":[)";
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    if (!result.ok()) return result.status();
    const bool estimate = result->state == CoxState::kEstimate;
    fmt::format_to(std::back_inserter(out), R"({}{{"hazard":{},"pval":{}}})", i ? "," : "",
                   NumberOrNull(estimate, result->hazard_ratio), NumberOrNull(estimate, result->p));
  }
  out += "]}";
  return out;
}

}  // namespace serval::survival
