#include "services/apigateway/openapi_model_ref.h"

#include <boost/json.hpp>

namespace serval::apigateway {

namespace json = boost::json;

namespace {
constexpr std::string_view kModelUrlPrefix = "https://apigateway.amazonaws.com/restapis/";
constexpr std::string_view kModelsSegment = "/models/";
}  // namespace

std::string CanonicalModelUrl(std::string_view api_id, std::string_view model_name) {
  std::string url(kModelUrlPrefix);
  url.append(api_id).append(kModelsSegment).append(model_name);
  return url;
}

std::optional<std::string> ModelNameFromCanonicalUrl(std::string_view ref) {
  if (ref.substr(0, kModelUrlPrefix.size()) != kModelUrlPrefix) return std::nullopt;
  const size_t models = ref.find(kModelsSegment, kModelUrlPrefix.size());
  if (models == std::string_view::npos) return std::nullopt;
  return std::string(ref.substr(models + kModelsSegment.size()));
}

void RewriteSchemaRefs(json::value* schema, const RefRewrite& rewrite) {
  if (json::object* object = schema->if_object()) {
    for (auto& [key, member] : *object) {
      if (key == "$ref" && member.is_string()) {
        if (auto replaced = rewrite(std::string_view(member.get_string()))) member = *replaced;
      } else {
        RewriteSchemaRefs(&member, rewrite);
      }
    }
  } else if (json::array* array = schema->if_array()) {
    for (json::value& item : *array) RewriteSchemaRefs(&item, rewrite);
  }
}

}  // namespace serval::apigateway
