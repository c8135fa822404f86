#include "services/apigateway/stage_variables.h"

namespace serval::apigateway {

std::string SubstituteStageVariables(std::string_view text,
                                     const std::map<std::string, std::string>& variables) {
  constexpr std::string_view kOpen = "${stageVariables.";
  std::string out;
  while (true) {
    const size_t open = text.find(kOpen);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    out += text.substr(0, open);
    const std::string name(text.substr(open + kOpen.size(), close - open - kOpen.size()));
    if (auto found = variables.find(name); found != variables.end()) out += found->second;
    text.remove_prefix(close + 1);
  }
  out += text;
  return out;
}

}  // namespace serval::apigateway
