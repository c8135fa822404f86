// gateway_hello_function: the C++ (provided.al2023) twin of bench/functions/gateway_hello.mjs for
// bench/apigateway.sh. The function's Handler setting (`_HANDLER`) picks the answer, as the Node
// file's two exports do:
//   proxy     {"statusCode":200,"body":"hello"}, whatever the event (REST AWS_PROXY, HTTP API,
//             function URL, direct Invoke)
//   greeting  {"greeting":"hello <name>"} for the custom integration's event {"name": "<name>"}
//             (the first "name" string member; "undefined" when there is none, as in Node)

#include <serval/lambda_runtime.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace {

// The raw (still escaped) text of the first "name": "..." string member of `json`, if any.
bool NameMember(std::string_view json, std::string_view* name) {
  const size_t key = json.find("\"name\"");
  if (key == std::string_view::npos) return false;
  size_t i = key + 6;
  while (i < json.size() && (json[i] == ' ' || json[i] == ':')) ++i;
  if (i >= json.size() || json[i] != '"') return false;
  size_t end = i + 1;
  while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
  if (end >= json.size()) return false;
  *name = json.substr(i + 1, end - i - 1);
  return true;
}

}  // namespace

int main() {
  const char* handler = std::getenv("_HANDLER");
  const bool greeting = handler != nullptr && std::string_view(handler) == "greeting";
  return serval::lambda::Run([greeting](const serval::lambda::Invocation& invocation) {
    if (!greeting) {
      return serval::lambda::Response::Success(R"({"statusCode":200,"body":"hello"})");
    }
    std::string_view name;
    std::string out = R"({"greeting":"hello )";
    out += NameMember(invocation.payload, &name) ? name : std::string_view("undefined");
    out += "\"}";
    return serval::lambda::Response::Success(std::move(out));
  });
}
