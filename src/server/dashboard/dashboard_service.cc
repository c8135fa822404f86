#include "server/dashboard/dashboard_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "http/basic_auth.h"
#include "iam/authorizer.h"
#include "invoker/invoker.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "server/dashboard/assets.h"
#include "server/dashboard/queries.h"
#include "server/dashboard/usage.h"
#include "services/lambda/function_registry.h"
#include "services/logs/event_ids.h"
#include "services/logs/event_search.h"
#include "services/logs/filter_pattern.h"
#include "services/schedule_view.h"
#include "storage/log_store.h"

namespace serval::dashboard {
namespace {

namespace json = boost::json;
using metrics::Aggregate;
using metrics::Datapoint;
using metrics::Dimension;
using metrics::LambdaRecorder;

constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestJson1;
constexpr int64_t kDay = 86400;
// Forbids inline script and style, framing, and every origin but Serval's own.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr std::string_view kLoginPath = "/_serval/login";
constexpr std::string_view kDroppedStream = "serval/async-dropped";
constexpr size_t kMaxLogLines = 1000;
constexpr size_t kDefaultLogLines = 500;
// A log search reads at most this many matching events before it settles for the latest ones.
constexpr size_t kMaxLogEventsScanned = 200000;
constexpr size_t kDroppedShown = 200;

std::string_view ContentTypeOf(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"}};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

const EmbeddedFile* FindFile(std::string_view path) {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

http::Response Secured(http::Response response) {
  response.SetHeader("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("X-Frame-Options", "DENY");
  response.SetHeader("Referrer-Policy", "no-referrer");
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

http::Response JsonAnswer(int status, const json::value& body) {
  http::Response response{.status = status, .body = json::serialize(body)};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

http::Response ErrorAnswer(const absl::Status& status) {
  int code = 500;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      code = 400;
      break;
    case absl::StatusCode::kNotFound:
      code = 404;
      break;
    case absl::StatusCode::kUnauthenticated:
      code = 401;
      break;
    default:
      break;
  }
  return JsonAnswer(code, json::object{{"message", std::string(status.message())}});
}

http::Response Redirect(std::string location) {
  http::Response response{.status = 303};
  response.SetHeader("Location", std::move(location));
  return response;
}

http::Response FileAnswer(int status, std::string_view path, std::string body) {
  http::Response response{.status = status, .body = std::move(body)};
  response.SetHeader("Content-Type", std::string(ContentTypeOf(path)));
  return response;
}

// The fields of a form-encoded body.
std::map<std::string, std::string> FormFields(std::string_view body) {
  std::map<std::string, std::string> fields;
  for (std::string_view pair : SplitOn(body, '&')) {
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    fields[FormDecode(pair.substr(0, equals))] = FormDecode(pair.substr(equals + 1));
  }
  return fields;
}

std::optional<int64_t> IntParam(const http::Request& request, std::string_view name) {
  const std::optional<std::string> text = request.QueryParam(name);
  int64_t value = 0;
  if (!text || !absl::SimpleAtoi(*text, &value)) return std::nullopt;
  return value;
}

// ?start=&end= (epoch seconds), or ?span=SECONDS before Serval's now (which a simulated clock
// sets, so the page does not use the browser's); the last hour by default.
absl::StatusOr<TimeRange> RangeOf(const http::Request& request, int64_t now) {
  const int64_t start =
      IntParam(request, "start").value_or(now - IntParam(request, "span").value_or(3600));
  return PlanRange(start, IntParam(request, "end"), now);
}

double MaxOrZero(const Aggregate& aggregate) { return aggregate.empty() ? 0 : aggregate.maximum(); }

std::vector<Dimension> FunctionDimensions(const std::string& name) {
  return {{"FunctionName", name}};
}

// The values of `points` at each of `times` (the period starts): `value` of the period, or
// `missing` where the period has no datapoint.
template <typename Value>
json::array PointValues(const std::vector<int64_t>& times, const std::vector<Datapoint>& points,
                        Value value, json::value missing) {
  json::array values;
  values.reserve(times.size());
  auto point = points.begin();
  for (int64_t time : times) {
    while (point != points.end() && point->timestamp < time) ++point;
    if (point == points.end() || point->timestamp != time) {
      values.push_back(missing);
      continue;
    }
    const std::optional<double> figure = value(point->aggregate);
    values.push_back(figure ? json::value(*figure) : json::value(nullptr));
  }
  return values;
}

// The chart series of a view (the account, or one function): indices into its QueryBatch.
struct Charts {
  size_t invocations, errors, throttles, duration, concurrency, gb_seconds, memory_used,
      memory_size;
};

Charts AddCharts(QueryBatch& batch, const std::vector<Dimension>& dimensions,
                 const TimeRange& range) {
  auto add = [&](std::string_view metric, bool percentiles) {
    return batch.Add(metric, dimensions, range.start, range.end, range.period, percentiles);
  };
  return {.invocations = add("Invocations", false),
          .errors = add("Errors", false),
          .throttles = add("Throttles", false),
          .duration = add("Duration", true),
          .concurrency = add(LambdaRecorder::kConcurrentExecutions, false),
          .gb_seconds = add("BilledGBSeconds", false),
          .memory_used = add("MaxMemoryUsed", false),
          .memory_size = add("MemorySize", false)};
}

json::object ChartsJson(const QueryBatch& batch, const Charts& charts, const TimeRange& range) {
  const std::vector<int64_t> times = PointTimes(range);
  auto sum = [](const Aggregate& a) -> std::optional<double> { return a.sum(); };
  auto maximum = [](const Aggregate& a) -> std::optional<double> { return a.maximum(); };
  auto percentile = [](double p) { return [p](const Aggregate& a) { return a.Percentile(p); }; };
  json::array t;
  for (int64_t time : times) t.push_back(time);
  return {
      {"t", std::move(t)},
      {"invocations", PointValues(times, batch.Points(charts.invocations), sum, 0)},
      {"errors", PointValues(times, batch.Points(charts.errors), sum, 0)},
      {"throttles", PointValues(times, batch.Points(charts.throttles), sum, 0)},
      {"duration_p50_ms",
       PointValues(times, batch.Points(charts.duration), percentile(50), nullptr)},
      {"duration_p99_ms",
       PointValues(times, batch.Points(charts.duration), percentile(99), nullptr)},
      {"concurrency", PointValues(times, batch.Points(charts.concurrency), maximum, 0)},
      {"billed_gb_seconds", PointValues(times, batch.Points(charts.gb_seconds), sum, 0)},
      {"max_memory_used_mb",
       PointValues(times, batch.Points(charts.memory_used), maximum, nullptr)},
      {"memory_size_mb", PointValues(times, batch.Points(charts.memory_size), maximum, nullptr)}};
}

// Daily cost over the 30 days before today and today, for the month's prediction.
struct Daily {
  size_t gb_seconds, invocations;
};

Daily AddDaily(QueryBatch& batch, const std::vector<Dimension>& dimensions, int64_t now) {
  const int64_t today = now / kDay * kDay;
  return {.gb_seconds = batch.Add("BilledGBSeconds", dimensions, today - 30 * kDay, today + kDay,
                                  kDay, false),
          .invocations =
              batch.Add("Invocations", dimensions, today - 30 * kDay, today + kDay, kDay, false)};
}

json::object TrendJson(const QueryBatch& batch, const Daily& daily, int64_t now) {
  std::map<int64_t, std::pair<double, double>> days;  // day -> (GB-s, requests)
  for (const Datapoint& point : batch.Points(daily.gb_seconds)) {
    days[point.timestamp].first += point.aggregate.sum();
  }
  for (const Datapoint& point : batch.Points(daily.invocations)) {
    days[point.timestamp].second += point.aggregate.sum();
  }
  std::vector<std::pair<int64_t, double>> costs;
  json::array day_times, day_costs;
  for (const auto& [day, figures] : days) {
    costs.emplace_back(day, CostUsd(figures.first, figures.second));
    day_times.push_back(day);
    day_costs.push_back(costs.back().second);
  }
  json::object trend = CostTrendJson(PredictMonth(costs, now));
  trend["days"] = std::move(day_times);
  trend["cost_usd"] = std::move(day_costs);
  return trend;
}

json::object RangeJson(const TimeRange& range, int64_t now) {
  return {{"start", range.start}, {"end", range.end}, {"period", range.period}, {"now", now}};
}

// What a view shows of a function, copied out of the registry before its queries run.
struct FunctionFacts {
  std::string name;
  std::string runtime;
  int memory_mb = 0;
  std::map<std::string, std::string> tags;
  size_t usage = 0;  // QueryBatch::AddUsage index
};

json::object TagsJson(const std::map<std::string, std::string>& tags) {
  json::object out;
  for (const auto& [key, value] : tags) out[key] = value;
  return out;
}

// Chargeback: cost and usage per tag (key=value), functions without tags under "(untagged)".
json::array ChargebackByTag(const std::vector<FunctionFacts>& functions,
                            const std::vector<Usage>& usages) {
  struct Share {
    std::vector<std::string> functions;
    double invocations = 0, gb_seconds = 0;
  };
  std::map<std::pair<std::string, std::string>, Share> by_tag;
  for (size_t i = 0; i < functions.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> keys(functions[i].tags.begin(),
                                                          functions[i].tags.end());
    if (keys.empty()) keys.emplace_back("(untagged)", "");
    for (const auto& key : keys) {
      Share& share = by_tag[key];
      share.functions.push_back(functions[i].name);
      share.invocations += usages[i][LambdaRecorder::kInvocations].sum();
      share.gb_seconds += usages[i][LambdaRecorder::kBilledGbSeconds].sum();
    }
  }
  json::array out;
  for (const auto& [key, share] : by_tag) {
    json::array names;
    for (const std::string& name : share.functions) names.push_back(json::string(name));
    out.push_back(json::object{{"key", key.first},
                               {"value", key.second},
                               {"functions", std::move(names)},
                               {"invocations", share.invocations},
                               {"billed_gb_seconds", share.gb_seconds},
                               {"cost_usd", CostUsd(share.gb_seconds, share.invocations)}});
  }
  return out;
}

// A log search's result: the latest `keep` matching events, oldest first.
struct FoundLine {
  std::string stream;
  std::string id;
  int64_t timestamp = 0;
  std::string message;
};

// Blocking (runs on the worker): pages through SearchEvents keeping the last `keep` events.
absl::StatusOr<std::deque<FoundLine>> SearchTail(storage::LogStore& store, logs::EventSearch search,
                                                 size_t keep, bool* truncated) {
  std::deque<FoundLine> lines;
  size_t scanned = 0;
  *truncated = false;
  for (;;) {
    absl::StatusOr<logs::EventSearchPage> page = logs::SearchEvents(store, search);
    if (!page.ok()) return page.status();
    for (logs::FoundEvent& found : page->events) {
      lines.push_back(
          {.stream = page->streams[found.stream],
           .id = logs::EventId(found.stream_id, found.event.offset, found.event.timestamp_millis),
           .timestamp = found.event.timestamp_millis,
           .message = std::move(found.event.message)});
      if (lines.size() > keep) lines.pop_front();
    }
    scanned += page->events.size();
    if (!page->next_token) return lines;
    if (scanned >= kMaxLogEventsScanned) {
      *truncated = true;
      return lines;
    }
    search.next_token = std::move(page->next_token);
  }
}

json::object LineJson(const FoundLine& line) {
  return {{"id", line.id},
          {"stream", line.stream},
          {"timestamp", line.timestamp},
          {"message", line.message}};
}

std::string LogGroupOf(std::string_view function) { return "/aws/lambda/" + std::string(function); }

}  // namespace

struct DashboardService::Call {
  protocol::RequestContext context;
  http::Responder respond;

  const http::Request& request() const { return context.request; }
  void Answer(http::Response response) { respond(Secured(std::move(response))); }
};

DashboardService::DashboardService(const services::Platform& platform,
                                   const http::CredentialStore* credentials,
                                   const Clock* session_clock)
    : platform_(platform), credentials_(credentials), sessions_(session_clock) {}

DashboardService::~DashboardService() = default;

const services::ServiceInfo& DashboardService::info() const {
  // "/_serval/code/" (Lambda's code downloads) and the admin endpoints stay theirs: the
  // dashboard claims only its own paths.
  static const services::ServiceInfo kInfo{
      .name = "dashboard",
      .protocol = kProtocol,
      .path_prefixes = {"/_serval$", "/_serval/$", "/_serval/login", "/_serval/logout",
                        "/_serval/ui/", "/_serval/api/"}};
  return kInfo;
}

services::Access DashboardService::AccessFor(const http::Request& headers) const {
  // A request carrying a signature or Basic auth has it checked by the router; any other is
  // let through to Handle, which demands a session for everything but the login page.
  if (!headers.Header("Authorization").empty() || headers.QueryParam("X-Amz-Signature")) {
    return services::Access::kSignedOrBasic;
  }
  return services::Access::kOpen;
}

bool DashboardService::Authenticated(const protocol::RequestContext& context) const {
  return !context.caller.anonymous || credentials_ == nullptr ||
         sessions_.Find(context.request.Header("Cookie")).has_value();
}

void DashboardService::Handle(protocol::RequestContext context, http::Responder respond) {
  struct RouteEntry {
    std::string_view method;
    std::string_view path;
    bool open;  // served without a session: the login page and what it needs
    Route route;
  };
  static constexpr RouteEntry kRoutes[] = {
      {"GET", "/_serval/login", true, &DashboardService::ServeLoginPage},
      {"POST", "/_serval/login", true, &DashboardService::Login},
      {"GET", "/_serval/login.css", true, &DashboardService::ServeAsset},
      {"POST", "/_serval/logout", false, &DashboardService::Logout},
      {"GET", "/_serval/", false, &DashboardService::ServeAsset},
      {"GET", "/_serval/ui/", false, &DashboardService::ServeAsset},  // a prefix
      {"GET", "/_serval/api/overview", false, &DashboardService::Overview},
      {"GET", "/_serval/api/function", false, &DashboardService::FunctionView},
      {"GET", "/_serval/api/logs", false, &DashboardService::Logs},
      {"GET", "/_serval/api/queue", false, &DashboardService::Queue},
      {"GET", "/_serval/api/access", false, &DashboardService::Access},
  };
  Call call{.context = std::move(context), .respond = std::move(respond)};
  const std::string_view path = call.request().RawPath();
  if (path == "/_serval") return call.Answer(Redirect("/_serval/"));
  for (const RouteEntry& entry : kRoutes) {
    const bool matches = entry.path.ends_with("/ui/")
                             ? path.starts_with(entry.path) && path.size() > entry.path.size()
                             : path == entry.path;
    if (!matches || call.request().method != entry.method) continue;
    if (!entry.open && !Authenticated(call.context)) {
      if (path.starts_with("/_serval/api/")) {
        return call.Answer(ErrorAnswer(absl::UnauthenticatedError(
            "Sign in at /_serval/login, or sign the request (SigV4 or HTTP Basic auth).")));
      }
      return call.Answer(Redirect(std::string(kLoginPath)));
    }
    return (this->*entry.route)(call);
  }
  // Nothing to learn here without a session either.
  if (!Authenticated(call.context)) return call.Answer(Redirect(std::string(kLoginPath)));
  call.Answer(ErrorAnswer(absl::NotFoundError("No such page: " + std::string(path))));
}

void DashboardService::ServeLoginPage(Call& call) {
  const EmbeddedFile* page = FindFile("login.html");
  call.Answer(FileAnswer(200, page->path, std::string(page->bytes)));
}

void DashboardService::Login(Call& call) {
  if (credentials_ == nullptr) return call.Answer(Redirect("/_serval/"));
  std::map<std::string, std::string> fields = FormFields(call.request().body);
  const std::string& access_key = fields["access_key_id"];
  if (!http::VerifyOperatorSecret(*credentials_, access_key, fields["secret_access_key"]).ok()) {
    const EmbeddedFile* page = FindFile("login.html");
    std::string body(page->bytes);
    constexpr std::string_view kMarker = "<!--error-->";
    body.replace(body.find(kMarker), kMarker.size(),
                 R"(<p class="error" role="alert">The access key or secret is wrong.</p>)");
    return call.Answer(FileAnswer(401, page->path, std::move(body)));
  }
  http::Response response = Redirect("/_serval/");
  response.SetHeader("Set-Cookie", SessionStore::SetCookie(sessions_.Create(access_key)));
  call.Answer(std::move(response));
}

void DashboardService::Logout(Call& call) {
  sessions_.Remove(call.request().Header("Cookie"));
  http::Response response = Redirect(std::string(kLoginPath));
  response.SetHeader("Set-Cookie", SessionStore::ClearCookie());
  call.Answer(std::move(response));
}

void DashboardService::ServeAsset(Call& call) {
  std::string_view path = call.request().RawPath();
  std::string_view name = path == "/_serval/"            ? std::string_view("index.html")
                          : path == "/_serval/login.css" ? std::string_view("login.css")
                                                         : path.substr(sizeof("/_serval/ui/") - 1);
  const EmbeddedFile* file = FindFile(name);
  if (file == nullptr) {
    return call.Answer(ErrorAnswer(absl::NotFoundError("No such file: " + std::string(path))));
  }
  call.Answer(FileAnswer(200, file->path, std::string(file->bytes)));
}

void DashboardService::Overview(Call& call) {
  const int64_t now = platform_.clock->NowMillis() / 1000;
  absl::StatusOr<TimeRange> range = RangeOf(call.request(), now);
  if (!range.ok()) return call.Answer(ErrorAnswer(range.status()));
  auto batch = std::make_shared<QueryBatch>(platform_.metrics);
  const Charts charts = AddCharts(*batch, {}, *range);
  const size_t account = batch->AddUsage({}, *range);
  const Daily daily = AddDaily(*batch, {}, now);
  bool more = false;
  std::vector<FunctionFacts> functions;
  for (const lambda::FunctionRegistry::Function* function :
       platform_.functions->List("", SIZE_MAX, &more)) {
    const lambda::FunctionConfig& config = *function->latest.config;
    functions.push_back({.name = config.name,
                         .runtime = config.runtime,
                         .memory_mb = config.memory_mb,
                         .tags = config.tags,
                         .usage = batch->AddUsage(FunctionDimensions(config.name), *range,
                                                  /*percentiles=*/false)});
  }
  QueryBatch::Run(
      batch, [batch, charts, account, daily, functions = std::move(functions), range = *range, now,
              call = std::move(call)](absl::Status status) mutable {
        if (!status.ok()) return call.Answer(ErrorAnswer(status));
        std::vector<Usage> usages;
        json::array rows;
        for (const FunctionFacts& function : functions) {
          usages.push_back(batch->UsageOf(function.usage));
          rows.push_back(json::object{{"name", function.name},
                                      {"runtime", function.runtime},
                                      {"memory_mb", function.memory_mb},
                                      {"tags", TagsJson(function.tags)},
                                      {"usage", UsageJson(usages.back())}});
        }
        json::object totals = UsageJson(batch->UsageOf(account));
        totals["max_concurrency"] = MaxOrZero(batch->Total(charts.concurrency));
        call.Answer(JsonAnswer(200, json::object{{"range", RangeJson(range, now)},
                                                 {"series", ChartsJson(*batch, charts, range)},
                                                 {"totals", std::move(totals)},
                                                 {"functions", std::move(rows)},
                                                 {"by_tag", ChargebackByTag(functions, usages)},
                                                 {"trend", TrendJson(*batch, daily, now)}}));
      });
}

void DashboardService::FunctionView(Call& call) {
  const int64_t now = platform_.clock->NowMillis() / 1000;
  absl::StatusOr<TimeRange> range = RangeOf(call.request(), now);
  if (!range.ok()) return call.Answer(ErrorAnswer(range.status()));
  const std::string name = call.request().QueryParam("name").value_or("");
  const lambda::FunctionRegistry::Function* function = platform_.functions->Find(name);
  if (function == nullptr) {
    return call.Answer(ErrorAnswer(absl::NotFoundError("Function not found: " + name)));
  }
  const lambda::FunctionConfig& config = *function->latest.config;
  json::array versions;
  for (const auto& [number, entry] : function->versions) versions.push_back(number);
  json::array aliases;
  for (const auto& [alias_name, alias] : function->aliases) {
    json::object weights;
    for (const auto& [version, weight] : alias.additional_version_weights)
      weights[version] = weight;
    aliases.push_back(json::object{{"name", alias_name},
                                   {"version", alias.function_version},
                                   {"additional_version_weights", std::move(weights)}});
  }
  json::object facts{{"name", config.name},           {"runtime", config.runtime},
                     {"memory_mb", config.memory_mb}, {"timeout_seconds", config.timeout_seconds},
                     {"tags", TagsJson(config.tags)}, {"versions", std::move(versions)},
                     {"aliases", std::move(aliases)}};

  // The resources it was invoked as ("fn", "fn:alias", "fn:3") and the versions that ran.
  std::set<std::string> resources;
  std::map<std::string, std::vector<std::string>> resources_of_version;
  for (std::string_view metric : {"Invocations", "Throttles"}) {
    metrics::SeriesFilter filter{
        .name_space = std::string(LambdaRecorder::kNamespace),
        .metric_name = std::string(metric),
        .dimensions = {{"FunctionName", name}, {"Resource", std::nullopt}}};
    bool more = false;
    for (metrics::SeriesId id : platform_.metrics->List(filter, "", SIZE_MAX, &more)) {
      const std::vector<Dimension>& dimensions = platform_.metrics->Key(id).dimensions;
      if (dimensions.size() == 2) resources.insert(dimensions[1].value);
      if (dimensions.size() == 3 && dimensions[0].name == "ExecutedVersion") {
        resources_of_version[dimensions[0].value].push_back(dimensions[2].value);
      }
    }
  }
  auto batch = std::make_shared<QueryBatch>(platform_.metrics);
  const std::vector<Dimension> dimensions = FunctionDimensions(name);
  const Charts charts = AddCharts(*batch, dimensions, *range);
  const size_t usage = batch->AddUsage(dimensions, *range);
  const Daily daily = AddDaily(*batch, dimensions, now);
  std::vector<std::pair<std::string, size_t>> resource_usage;
  for (const std::string& resource : resources) {
    resource_usage.emplace_back(
        resource, batch->AddUsage({{"FunctionName", name}, {"Resource", resource}}, *range));
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> version_usage;
  for (const auto& [version, invoked_as] : resources_of_version) {
    std::vector<size_t>& parts = version_usage.emplace_back(version, std::vector<size_t>{}).second;
    for (const std::string& resource : invoked_as) {
      parts.push_back(batch->AddUsage(
          {{"ExecutedVersion", version}, {"FunctionName", name}, {"Resource", resource}}, *range));
    }
  }
  QueryBatch::Run(
      batch, [batch, charts, usage, daily, facts = std::move(facts),
              resource_usage = std::move(resource_usage), version_usage = std::move(version_usage),
              range = *range, now, call = std::move(call)](absl::Status status) mutable {
        if (!status.ok()) return call.Answer(ErrorAnswer(status));
        const Usage total = batch->UsageOf(usage);
        json::array percentiles, durations;
        for (int p = 1; p <= 100; ++p) {
          const std::optional<double> value = total[LambdaRecorder::kDuration].Percentile(p);
          if (!value) break;
          percentiles.push_back(p);
          durations.push_back(*value);
        }
        json::array by_resource;
        for (const auto& [resource, index] : resource_usage) {
          by_resource.push_back(
              json::object{{"resource", resource}, {"usage", UsageJson(batch->UsageOf(index))}});
        }
        json::array by_version;
        for (const auto& [version, parts] : version_usage) {
          Usage merged;
          for (size_t part : parts) {
            const Usage one = batch->UsageOf(part);
            for (size_t metric = 0; metric < merged.size(); ++metric)
              merged[metric].Merge(one[metric]);
          }
          by_version.push_back(json::object{{"version", version}, {"usage", UsageJson(merged)}});
        }
        call.Answer(JsonAnswer(
            200, json::object{{"range", RangeJson(range, now)},
                              {"function", std::move(facts)},
                              {"series", ChartsJson(*batch, charts, range)},
                              {"usage", UsageJson(total)},
                              {"distribution", json::object{{"percentile", std::move(percentiles)},
                                                            {"duration_ms", std::move(durations)}}},
                              {"resources", std::move(by_resource)},
                              {"versions", std::move(by_version)},
                              {"trend", TrendJson(*batch, daily, now)}}));
      });
}

void DashboardService::Logs(Call& call) {
  const http::Request& request = call.request();
  const std::string function = request.QueryParam("function").value_or("");
  if (platform_.functions->Find(function) == nullptr) {
    return call.Answer(ErrorAnswer(absl::NotFoundError("Function not found: " + function)));
  }
  absl::StatusOr<logs::FilterPattern> pattern =
      logs::FilterPattern::Parse(request.QueryParam("pattern").value_or(""));
  if (!pattern.ok()) return call.Answer(ErrorAnswer(pattern.status()));
  auto compiled = std::make_shared<const logs::FilterPattern>(*std::move(pattern));
  const size_t keep = static_cast<size_t>(
      std::clamp<int64_t>(IntParam(request, "limit").value_or(kDefaultLogLines), 1, kMaxLogLines));
  logs::EventSearch search{.group = LogGroupOf(function),
                           .start_millis = IntParam(request, "start").value_or(INT64_MIN),
                           .end_millis = IntParam(request, "end").value_or(INT64_MAX),
                           .pattern = compiled.get()};
  auto respond = std::make_shared<Call>(std::move(call));
  worker_.Post([this, search = std::move(search), compiled, keep, respond] {
    bool truncated = false;
    auto lines = SearchTail(*platform_.logs, search, keep, &truncated);
    auto result = std::make_shared<decltype(lines)>(std::move(lines));
    platform_.post_to_io([result, truncated, respond, group = search.group] {
      if (!result->ok()) return respond->Answer(ErrorAnswer(result->status()));
      json::array events;
      for (const FoundLine& line : **result) events.push_back(LineJson(line));
      respond->Answer(JsonAnswer(
          200,
          json::object{{"group", group}, {"events", std::move(events)}, {"truncated", truncated}}));
    });
  });
}

void DashboardService::Access(Call& call) {
  json::object stats;
  if (platform_.authorizer != nullptr) platform_.authorizer->AddStats(stats);
  call.Answer(JsonAnswer(200, stats["iam"]));
}

void DashboardService::Queue(Call& call) {
  const invoker::Invoker::Stats stats = platform_.invoker->stats();
  json::array schedules;
  if (platform_.schedules != nullptr && platform_.schedules->view != nullptr) {
    for (const services::ScheduleView::ScheduledRule& rule :
         platform_.schedules->view->ScheduledRules()) {
      json::array targets;
      for (const std::string& arn : rule.target_arns) targets.push_back(json::string(arn));
      schedules.push_back(json::object{
          {"name", rule.name},
          {"expression", rule.expression},
          {"enabled", rule.enabled},
          {"next_fire_millis",
           rule.next_fire_millis > 0 ? json::value(rule.next_fire_millis) : json::value(nullptr)},
          {"targets", std::move(targets)}});
    }
  }
  bool more = false;
  std::vector<std::string> groups;
  for (const lambda::FunctionRegistry::Function* function :
       platform_.functions->List("", SIZE_MAX, &more)) {
    groups.push_back(LogGroupOf(function->latest.config->name));
  }
  json::object out{{"async_queued", stats.async_queued},
                   {"undeliverable", stats.undeliverable},
                   {"schedules", std::move(schedules)}};
  auto respond = std::make_shared<Call>(std::move(call));
  auto answer = std::make_shared<json::object>(std::move(out));
  worker_.Post([this, groups = std::move(groups), respond, answer] {
    // The newest dropped events of every function (its serval/async-dropped stream).
    auto dropped = std::make_shared<std::vector<std::pair<std::string, FoundLine>>>();
    for (const std::string& group : groups) {
      if (!platform_.logs->GetStream(group, kDroppedStream).ok()) continue;
      bool truncated = false;
      auto lines = SearchTail(*platform_.logs,
                              {.group = group, .stream_names = {std::string(kDroppedStream)}},
                              kDroppedShown, &truncated);
      if (!lines.ok()) continue;  // removed meanwhile
      for (FoundLine& line : *lines) dropped->emplace_back(group, std::move(line));
    }
    std::sort(dropped->begin(), dropped->end(),
              [](const auto& a, const auto& b) { return a.second.timestamp > b.second.timestamp; });
    if (dropped->size() > kDroppedShown) dropped->resize(kDroppedShown);
    platform_.post_to_io([respond, answer, dropped] {
      json::array lines;
      for (const auto& [group, line] : *dropped) {
        json::object row = LineJson(line);
        row["group"] = group;
        lines.push_back(std::move(row));
      }
      (*answer)["dropped"] = std::move(lines);
      respond->Answer(JsonAnswer(200, *answer));
    });
  });
}

}  // namespace serval::dashboard
