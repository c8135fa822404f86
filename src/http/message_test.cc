#include "http/message.h"

#include <gtest/gtest.h>

namespace serval::http {
namespace {

TEST(Request, SplitsAndDecodesPathSegments) {
  Request request;
  request.target = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/x?a=1";
  EXPECT_EQ(request.RawPath(),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/x");
  EXPECT_EQ(request.PathSegments(),
            (std::vector<std::string>{"2015-03-31", "functions",
                                      "arn:aws:lambda:us-east-1:1:function:f", "x"}));
}

TEST(Request, QueryParamsDecodeAndDefault) {
  Request request;
  request.target = "/f?Marker=a%2Bb&MaxItems=5&flag&sp=a+b";
  EXPECT_EQ(request.QueryParam("Marker"), "a+b");
  EXPECT_EQ(request.QueryParam("MaxItems"), "5");
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_EQ(request.QueryParam("sp"), "a b");
  EXPECT_EQ(request.QueryParam("missing"), std::nullopt);
}

TEST(Request, HeadersAreCaseInsensitive) {
  Request request;
  request.headers = {{"X-Amz-Invocation-Type", "Event"}};
  EXPECT_EQ(request.Header("x-amz-invocation-type"), "Event");
  EXPECT_TRUE(request.HasHeader("X-AMZ-INVOCATION-TYPE"));
  EXPECT_EQ(request.Header("absent"), "");
}

}  // namespace
}  // namespace serval::http
