#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "services/apigateway/openapi_import_log.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// Reads an operation's `x-amazon-apigateway-integration` into an Integration, checking it as
// PutIntegration and PutIntegrationResponse would. A value AWS would refuse is an error in `log`
// ("Unable to put integration on 'GET' for resource at path '/x': ...") and gives nullopt; a
// value AWS drops with a warning is dropped with one. `resource_id` is the cache namespace when
// the document names none, as AWS does. Thread-safe (pure function).
std::optional<Integration> ImportIntegration(const boost::json::value& extension,
                                             const OperationPlace& place,
                                             const std::string& resource_id, ImportLog* log);

}  // namespace serval::apigateway
