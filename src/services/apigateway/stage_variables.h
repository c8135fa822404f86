#pragma once

#include <map>
#include <string>
#include <string_view>

namespace serval::apigateway {

// `text` with every "${stageVariables.NAME}" replaced by the stage's variable (empty when it has
// none): how integration URIs and function names refer to stage variables. Thread-safe.
std::string SubstituteStageVariables(std::string_view text,
                                     const std::map<std::string, std::string>& variables);

}  // namespace serval::apigateway
