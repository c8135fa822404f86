#pragma once

#include <span>
#include <string>
#include <string_view>

#include "services/apigateway/vtl/host_object.h"

namespace serval::apigateway::vtl {

// API Gateway's $util (aws-wire-contracts.md §7.4):
//   escapeJavaScript(s)  Apache Commons Lang StringEscapeUtils.escapeJavaScript: \' \" \\ \/,
//                        \b \f \n \r \t, other controls and every non-ASCII UTF-16 unit as \uXXXX
//   parseJson(s)         JSON text to a value; invalid JSON is an error (AWS fails the request)
//   urlEncode(s)         java.net.URLEncoder: application/x-www-form-urlencoded, space as '+'
//   urlDecode(s)         its inverse
//   base64Encode(s)      standard Base64 of the UTF-8 bytes
//   base64Decode(s)      the decoded bytes as text; invalid Base64 is an error
// A non-string argument is used as its text; null gives null. Stateless. Thread-safe.
class UtilObject : public HostObject {
 public:
  absl::StatusOr<boost::json::value> Call(std::string_view method,
                                          std::span<const boost::json::value> args) const override;
};

// The functions behind $util, for tests and reuse.
std::string EscapeJavaScript(std::string_view text);
std::string UrlEncode(std::string_view text);

}  // namespace serval::apigateway::vtl
