#include "sandbox/invocation.h"

#include <boost/json.hpp>

namespace serval::sandbox {

std::string ErrorBody(std::string_view error_type, std::string_view message) {
  boost::json::object error;
  error["errorType"] = error_type;
  error["errorMessage"] = message;
  return boost::json::serialize(error);
}

}  // namespace serval::sandbox
