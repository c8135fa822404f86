#include "services/apigateway/vtl/template.h"

#include <utility>

#include "services/apigateway/vtl/evaluator.h"
#include "services/apigateway/vtl/input_object.h"
#include "services/apigateway/vtl/parser.h"
#include "services/apigateway/vtl/util_object.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

absl::StatusOr<Template> Template::Parse(std::string_view source) {
  absl::StatusOr<Block> block = ParseTemplate(source);
  if (!block.ok()) return block.status();
  return Template(std::make_shared<const Block>(*std::move(block)));
}

absl::StatusOr<Rendered> Template::Render(const Bindings& bindings) const {
  InputObject input(bindings.body, bindings.path_params, bindings.querystring, bindings.headers);
  UtilObject util;
  HostObjects hosts{{"input", &input}, {"util", &util}};
  json::object variables{{"context", bindings.context},
                         {"stageVariables", bindings.stage_variables}};
  // API Gateway renders a null reference as nothing, and lists as JSON.
  EvalOptions options{.null_renders_empty = true, .lists = ListStyle::kJson, .hosts = &hosts};
  absl::StatusOr<std::string> text = Evaluate(*block_, variables, options);
  if (!text.ok()) return text.status();
  Rendered rendered{.text = *std::move(text)};
  if (json::value* context = variables.if_contains("context"); context && context->is_object()) {
    rendered.context = std::move(context->get_object());
  }
  return rendered;
}

}  // namespace serval::apigateway::vtl
