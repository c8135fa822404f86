#include "blueprints/survival/survival_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

namespace serval::survival {
namespace {

namespace json = boost::json;

std::string SeedTcgaRequest() {
  std::ifstream in(std::string(SURVIVAL_FIXTURE_DIR) + "/seed_tcga_request.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

json::array Statistics(const std::string& response) {
  return json::parse(response).at("statistics_list").as_array();
}

// Every number following `"key":` in the response text, read with std::from_chars: Boost.JSON
// 1.81's parser may be one ulp off, which would hide (or fake) a bit-exact result.
std::vector<double> NumbersAfter(const std::string& text, const std::string& key) {
  std::vector<double> numbers;
  const std::string marker = "\"" + key + "\":";
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    double value = 0;
    const char* begin = text.data() + at + marker.size();
    std::from_chars(begin, text.data() + text.size(), value);
    numbers.push_back(value);
  }
  return numbers;
}

TEST(SurvivalRequest, SeedTcgaExampleGivesTheSeedsNumbers) {
  for (int threads : {1, 2, 8}) {
    auto response = ComputeSurvivalStatistics(SeedTcgaRequest(), threads);
    ASSERT_TRUE(response.ok()) << response.status();
    const std::vector<double> hazards = NumbersAfter(*response, "hazard");
    const std::vector<double> pvals = NumbersAfter(*response, "pval");
    ASSERT_EQ(hazards.size(), 2u);
    // MKI67 then APOE, as in the post; hazards bit-exact, p-values to the last digits.
    EXPECT_EQ(hazards[0], 1.3926333898762577);
    EXPECT_NEAR(pvals[0], 0.005922935208231839, 1e-17);
    EXPECT_EQ(hazards[1], 0.957292958555334);
    EXPECT_EQ(pvals[1], 0.7976137866147548);
  }
}

TEST(SurvivalRequest, RecordsWithoutAnEstimateAreNullAndTheOthersComputed) {
  auto response = ComputeSurvivalStatistics(
      R"({"times":[5,8,3,9,4,7],"events":[1,0,1,1,0,1],
          "values_by_record":[[2,2,2,2,2,2],[0.5,1.5,0.2,2.5,0.9,1.1]]})",
      2);
  ASSERT_TRUE(response.ok()) << response.status();
  const json::array statistics = Statistics(*response);
  EXPECT_TRUE(statistics[0].at("hazard").is_null());
  EXPECT_TRUE(statistics[0].at("pval").is_null());
  EXPECT_TRUE(statistics[1].at("hazard").is_double());
}

TEST(SurvivalRequest, NoEventsAtAllGivesNullForEveryRecord) {
  auto response = ComputeSurvivalStatistics(
      R"({"times":[1,2,3],"events":[0,0,0],"values_by_record":[[1,2,3]]})", 1);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(Statistics(*response)[0].at("hazard").is_null());
}

TEST(SurvivalRequest, BadInputIsInvalidArgument) {
  for (const char* bad : {
           "not json",
           "[1,2]",
           R"({"times":[1,2],"events":[1,0]})",
           R"({"times":[1,2],"events":[1],"values_by_record":[[1,2]]})",
           R"({"times":[1,2],"events":[1,2],"values_by_record":[[1,2]]})",
           R"({"times":[1,"x"],"events":[1,0],"values_by_record":[[1,2]]})",
           R"({"times":[1,2],"events":[1,0],"values_by_record":[[1,2,3]]})",
           R"({"times":[1,2],"events":[1,0],"values_by_record":[]})",
           R"({"times":[],"events":[],"values_by_record":[[]]})",
           R"({"times":[1,2],"events":[1,0],"values_by_record":[[1,1e999]]})",
           R"({"times":[1,2],"events":[1,0],"values_by_record":[1,2]})",
       }) {
    auto response = ComputeSurvivalStatistics(bad, 2);
    ASSERT_FALSE(response.ok()) << bad;
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_FALSE(response.status().message().empty());
  }
}

TEST(SurvivalRequest, StatisticsErrorIsTheSeedsErrorObject) {
  const json::value error = json::parse(StatisticsError("req-1", "times must be an array"));
  EXPECT_EQ(error.at("errorType").as_string(), "StatisticsError");
  EXPECT_EQ(error.at("httpStatus").as_int64(), 400);
  EXPECT_EQ(error.at("request_id").as_string(), "req-1");
  EXPECT_EQ(error.at("message").as_string(), "times must be an array");
  // The post's selection pattern, as its console step writes it (with straight quotes).
  EXPECT_NE(StatisticsError("req-1", "m").find(R"("httpStatus": 400,)"), std::string::npos);
}

}  // namespace
}  // namespace serval::survival
