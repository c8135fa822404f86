// Generic Velocity behaviour, checked against testdata/velocity_cases.json: each case's
// `expected` was recorded from velocityjs 2.1.7 (testdata/render_with_velocityjs.mjs); where
// Velocity 1.7 as API Gateway runs it answers differently, `serval_expected` holds Serval's
// answer and `why` the reason.

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "services/apigateway/vtl/test_render.h"

namespace serval::apigateway::vtl {
namespace {

namespace json = boost::json;

json::array LoadCases() {
  std::ifstream file(std::string(VTL_TESTDATA_DIR) + "/velocity_cases.json");
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str()).as_array();
}

TEST(VelocityCasesTest, MatchRecordedExpectations) {
  json::array cases = LoadCases();
  ASSERT_GE(cases.size(), 60u);
  for (const json::value& entry : cases) {
    const json::object& c = entry.as_object();
    SCOPED_TRACE(std::string(c.at("name").as_string()));
    json::object variables = c.at("vars").as_object();
    absl::StatusOr<std::string> rendered =
        RenderVelocity(std::string(c.at("template").as_string()), variables);
    ASSERT_TRUE(rendered.ok()) << rendered.status();
    const json::value* serval = c.if_contains("serval_expected");
    if (serval != nullptr) {
      EXPECT_TRUE(c.contains("why"));
      EXPECT_EQ(*rendered, std::string(serval->as_string()));
    } else {
      EXPECT_EQ(*rendered, std::string(c.at("expected").as_string()));
    }
  }
}

}  // namespace
}  // namespace serval::apigateway::vtl
