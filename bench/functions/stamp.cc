// stamp_function: a `provided` runtime function for bench/sns.sh. First thing in the handler it
// reads CLOCK_REALTIME, then prints one line to stdout (so to its log stream):
//
//   SERVAL_STAMP <function name> <MessageId> <CLOCK_REALTIME ns>
//
// where MessageId is the first "MessageId" string in the event (an SNS notification's), and
// returns {}. The host shares CLOCK_REALTIME with the sandbox (time namespaces only offset the
// monotonic and boot clocks), so the benchmark can subtract the publishing client's own
// CLOCK_REALTIME at Publish's 200 (invoke_load --trace) from this stamp.

#include <serval/lambda_runtime.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

// The value of the first "MessageId": "..." in `json` (no escapes: SNS message ids are UUIDs).
std::string_view MessageId(std::string_view json) {
  const size_t key = json.find("\"MessageId\"");
  if (key == std::string_view::npos) return "-";
  const size_t open = json.find('"', json.find(':', key + 11));
  if (open == std::string_view::npos) return "-";
  const size_t close = json.find('"', open + 1);
  if (close == std::string_view::npos) return "-";
  return json.substr(open + 1, close - open - 1);
}

}  // namespace

int main() {
  const char* name = std::getenv("AWS_LAMBDA_FUNCTION_NAME");
  const std::string function = name != nullptr ? name : "-";
  return serval::lambda::Run([&function](const serval::lambda::Invocation& invocation) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const std::string_view id = MessageId(invocation.payload);
    std::printf("SERVAL_STAMP %s %.*s %lld\n", function.c_str(), static_cast<int>(id.size()),
                id.data(), static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
    std::fflush(stdout);
    return serval::lambda::Response::Success("{}");
  });
}
