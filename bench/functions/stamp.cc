// stamp_function: a `provided` runtime function for bench/sns.sh and bench/s3.sh. First thing in
// the handler it reads CLOCK_REALTIME, then prints one line to stdout (so to its log stream):
//
//   SERVAL_STAMP <function name> <id> <CLOCK_REALTIME ns>
//
// where id is the first string member named $STAMP_FIELD in the event ("MessageId" if unset: an
// SNS notification's; "key" for an S3 event's object key), and returns {}. The host shares
// CLOCK_REALTIME with the sandbox (time namespaces only offset the monotonic and boot clocks),
// so the benchmark can subtract the client's own CLOCK_REALTIME at the triggering request's 200
// (invoke_load --trace, bench/s3_notify_delay.py) from this stamp.

#include <serval/lambda_runtime.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

// The value of the first "<field>": "..." in `json` (no escapes: the ids are UUIDs and plain
// object keys).
std::string_view FieldValue(std::string_view json, const std::string& field) {
  const std::string quoted = '"' + field + '"';
  const size_t key = json.find(quoted);
  if (key == std::string_view::npos) return "-";
  const size_t open = json.find('"', json.find(':', key + quoted.size()));
  if (open == std::string_view::npos) return "-";
  const size_t close = json.find('"', open + 1);
  if (close == std::string_view::npos) return "-";
  return json.substr(open + 1, close - open - 1);
}

}  // namespace

int main() {
  const char* name = std::getenv("AWS_LAMBDA_FUNCTION_NAME");
  const std::string function = name != nullptr ? name : "-";
  const char* field_name = std::getenv("STAMP_FIELD");
  const std::string field = field_name != nullptr ? field_name : "MessageId";
  return serval::lambda::Run([&function, &field](const serval::lambda::Invocation& invocation) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const std::string_view id = FieldValue(invocation.payload, field);
    std::printf("SERVAL_STAMP %s %.*s %lld\n", function.c_str(), static_cast<int>(id.size()),
                id.data(), static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
    std::fflush(stdout);
    return serval::lambda::Response::Success("{}");
  });
}
