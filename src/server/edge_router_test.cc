#include "server/edge_router.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "common/aws_error.h"

namespace serval::server {
namespace {

// A front end that records what reached it and answers 200.
class FakeService : public services::Service {
 public:
  explicit FakeService(services::ServiceInfo info, bool anonymous_reads = false)
      : info_(std::move(info)), anonymous_reads_(anonymous_reads) {}

  const services::ServiceInfo& info() const override { return info_; }
  services::Access AccessFor(const http::Request& headers) const override {
    if (info_.signing_name.empty()) return services::Access::kOpen;
    return anonymous_reads_ && (headers.method == "GET" || headers.method == "OPTIONS")
               ? services::Access::kAnonymousAllowed
               : services::Access::kSigned;
  }
  void Handle(protocol::RequestContext context, http::Responder respond) override {
    received.push_back(std::move(context));
    respond(http::Response{.status = 200});
  }

  std::vector<protocol::RequestContext> received;

 private:
  services::ServiceInfo info_;
  bool anonymous_reads_;
};

class EdgeRouterTest : public testing::Test {
 protected:
  EdgeRouterTest()
      : lambda_({.name = "lambda",
                 .signing_name = "lambda",
                 .protocol = protocol::Protocol::kRestJson1,
                 .path_prefixes = {"/2015-03-31/functions"}}),
        events_({.name = "events",
                 .signing_name = "events",
                 .protocol = protocol::Protocol::kAwsJson1_1,
                 .target_prefixes = {"AWSEvents."}}),
        s3_({.name = "s3",
             .signing_name = "s3",
             .protocol = protocol::Protocol::kRestXml,
             .path_prefixes = {"/"},
             .host_suffixes = {".s3.localhost"}},
            /*anonymous_reads=*/true),
        admin_({.name = "serval",
                .protocol = protocol::Protocol::kRestJson1,
                .path_prefixes = {"/_serval/health"}}),
        credentials_(http::CredentialStore::WithDefaultKey()),
        router_({&admin_, &lambda_, &events_, &s3_}, {.credentials = &credentials_,
                                                      .signature_clock = &RealClock::Instance(),
                                                      .region = "us-east-1",
                                                      .account_id = "123456789012",
                                                      .body_limit = 1000}) {}

  static http::Request Make(std::string method, std::string target, std::string host = "localhost",
                            std::string x_amz_target = "") {
    http::Request request{.method = std::move(method), .target = std::move(target)};
    request.headers.emplace_back("Host", std::move(host));
    if (!x_amz_target.empty()) request.headers.emplace_back("X-Amz-Target", x_amz_target);
    return request;
  }
  static http::Request Signed(http::Request request, std::string_view service) {
    http::SignRequest(request, "test", "test", "us-east-1", service,
                      RealClock::Instance().NowMillis());
    return request;
  }
  // Sends `request` through the router and returns the answer.
  http::Response Send(http::Request request) {
    http::Response answer;
    router_.Handle(std::move(request), [&](http::Response response) { answer = response; });
    return answer;
  }

  FakeService lambda_, events_, s3_, admin_;
  http::CredentialStore credentials_;
  EdgeRouter router_;
};

TEST_F(EdgeRouterTest, RoutesByScopeThenTargetThenHostThenLongestPath) {
  EXPECT_EQ(router_.RouteOf(Make("POST", "/", "localhost", "AWSEvents.PutRule")), &events_);
  EXPECT_EQ(router_.RouteOf(Make("GET", "/2015-03-31/functions/f")), &lambda_);
  EXPECT_EQ(router_.RouteOf(Make("GET", "/bucket/key")), &s3_);
  EXPECT_EQ(router_.RouteOf(Make("GET", "/_serval/health")), &admin_);
  // A request signed for S3 is S3's even where Lambda's paths are.
  EXPECT_EQ(router_.RouteOf(Signed(Make("GET", "/2015-03-31/functions/f"), "s3")), &s3_);
  // A scope whose service does not claim the request routes as if unsigned.
  EXPECT_EQ(router_.RouteOf(Signed(Make("GET", "/2015-03-31/functions/f"), "events")), &lambda_);
  // A virtual-host addressed key that looks like Lambda's path is still the bucket's.
  EXPECT_EQ(router_.RouteOf(Make("GET", "/2015-03-31/functions", "b.s3.localhost:4566")), &s3_);
}

TEST_F(EdgeRouterTest, LongestHostSuffixAndWildcardPathSegments) {
  FakeService gateway({.name = "execute-api",
                       .signing_name = "execute-api",
                       .protocol = protocol::Protocol::kRestJson1,
                       .path_prefixes = {"/restapis/*/*/_user_request_/"},
                       .host_suffixes = {".execute-api.localhost"}});
  FakeService control({.name = "apigateway",
                       .signing_name = "apigateway",
                       .protocol = protocol::Protocol::kRestJson1,
                       .path_prefixes = {"/restapis"}});
  FakeService s3({.name = "s3",
                  .signing_name = "s3",
                  .protocol = protocol::Protocol::kRestXml,
                  .path_prefixes = {"/"},
                  .host_suffixes = {".localhost"}});
  EdgeRouter router({&s3, &control, &gateway}, {.region = "us-east-1"});
  EXPECT_EQ(router.RouteOf(Make("GET", "/prod/pets", "a1.execute-api.localhost:4566")), &gateway);
  EXPECT_EQ(router.RouteOf(Make("GET", "/key", "bucket.localhost:4566")), &s3);
  EXPECT_EQ(router.RouteOf(Make("GET", "/restapis/a1/prod/_user_request_/pets")), &gateway);
  EXPECT_EQ(router.RouteOf(Make("GET", "/restapis/a1/prod/_user_request_/")), &gateway);
  EXPECT_EQ(router.RouteOf(Make("GET", "/restapis/a1/resources")), &control);
  EXPECT_EQ(router.RouteOf(Make("GET", "/restapis//prod/_user_request_/x")), &control);
  EXPECT_EQ(router.RouteOf(Make("GET", "/restapis")), &control);
}

TEST_F(EdgeRouterTest, RoutesByHostWhenNothingElseClaimsTheRequest) {
  FakeService website({.name = "website",
                       .signing_name = "s3",
                       .protocol = protocol::Protocol::kRestXml,
                       .host_suffixes = {".s3-website.localhost"}});
  EdgeRouter router({&lambda_, &website}, {.region = "us-east-1"});
  EXPECT_EQ(router.RouteOf(Make("GET", "/index.html", "b.s3-website.localhost:4566")), &website);
  EXPECT_EQ(router.RouteOf(Make("GET", "/index.html", "localhost:4566")), nullptr);
}

TEST_F(EdgeRouterTest, ASignedRequestReachesItsServiceWithTheVerifiedCaller) {
  ASSERT_EQ(Send(Signed(Make("GET", "/2015-03-31/functions/f"), "lambda")).status, 200);
  ASSERT_EQ(lambda_.received.size(), 1u);
  const protocol::RequestContext& context = lambda_.received[0];
  EXPECT_FALSE(context.caller.anonymous);
  EXPECT_EQ(context.caller.access_key, "test");
  EXPECT_EQ(context.caller.account_id, "123456789012");
  EXPECT_FALSE(context.request_id.empty());
}

TEST_F(EdgeRouterTest, HeadersProvedOnArrivalLeaveOnlyTheBodyToCheck) {
  http::Request invoke = Make("POST", "/2015-03-31/functions/f/invocations");
  invoke.body = R"({"n":1})";
  invoke = Signed(std::move(invoke), "lambda");  // declares the body's hash
  http::Request screened = invoke;
  screened.body.clear();  // the screen sees no body
  ASSERT_FALSE(router_.ScreenHeader(screened).has_value());
  ASSERT_NE(screened.screened_caller, nullptr);
  EXPECT_EQ(screened.screened_caller->scope.access_key, "test");

  screened.body = invoke.body;
  http::Request changed = screened;
  changed.body = R"({"n":2})";
  EXPECT_EQ(Send(std::move(screened)).status, 200);
  ASSERT_EQ(lambda_.received.size(), 1u);
  EXPECT_EQ(lambda_.received[0].caller.access_key, "test");
  // The proof (for streamed bodies, with the signing key) does not travel on to the service.
  EXPECT_EQ(lambda_.received[0].request.screened_caller, nullptr);
  // A body other than the one the signed headers declare is refused, screened or not.
  EXPECT_EQ(Send(std::move(changed)).status, 403);
  EXPECT_EQ(lambda_.received.size(), 1u);
  // A screen that refuses leaves nothing behind.
  http::Request forged = Make("POST", "/2015-03-31/functions/f/invocations");
  forged.headers = invoke.headers;
  for (auto& [name, value] : forged.headers) {
    if (name == "Authorization") value.replace(value.size() - 4, 4, "0000");
  }
  EXPECT_TRUE(router_.ScreenHeader(forged).has_value());
  EXPECT_EQ(forged.screened_caller, nullptr);
}

TEST_F(EdgeRouterTest, AuthenticationFailuresSpeakTheServicesProtocol) {
  http::Response json = Send(Make("GET", "/2015-03-31/functions/f"));
  EXPECT_EQ(json.status, 403);
  EXPECT_NE(json.body.find(R"("__type":)"), std::string::npos) << json.body;
  http::Response xml = Send(Make("PUT", "/bucket/key"));
  EXPECT_EQ(xml.status, 403);
  EXPECT_NE(xml.body.find("<Error><Code>"), std::string::npos) << xml.body;
  // Wrong signing service: refused, naming the service the route belongs to.
  http::Response scoped = Send(Signed(Make("GET", "/2015-03-31/functions/f"), "events"));
  EXPECT_EQ(scoped.status, 403);
  EXPECT_NE(scoped.body.find("'lambda'"), std::string::npos) << scoped.body;
  EXPECT_TRUE(lambda_.received.empty());
  EXPECT_TRUE(s3_.received.empty());
}

TEST_F(EdgeRouterTest, AnonymousOnlyWhereTheServiceAllowsIt) {
  ASSERT_EQ(Send(Make("GET", "/bucket/key")).status, 200);
  ASSERT_EQ(s3_.received.size(), 1u);
  EXPECT_TRUE(s3_.received[0].caller.anonymous);
  // A signature that is present must be valid, anonymous reads or not.
  http::Request forged = Signed(Make("GET", "/bucket/key"), "s3");
  forged.headers.emplace_back("X-Amz-Meta-Added", "after signing");
  for (auto& [name, value] : forged.headers) {
    if (name == "Authorization") value.back() = value.back() == '0' ? '1' : '0';
  }
  EXPECT_EQ(Send(forged).status, 403);
  EXPECT_EQ(s3_.received.size(), 1u);
  EXPECT_EQ(Send(Make("GET", "/_serval/health")).status, 200);
  // A browser's preflight keeps a presigned URL's query (signed for PUT, not OPTIONS) and has no
  // credentials: it reaches the service as anonymous. The URL itself is still checked.
  const std::string presigned =
      "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Fus-east-1"
      "%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders="
      "host&X-Amz-Signature=" +
      std::string(64, '0');
  http::Request preflight = Make("OPTIONS", presigned);
  preflight.headers.emplace_back("Origin", "http://app.test");
  preflight.headers.emplace_back("Access-Control-Request-Method", "PUT");
  EXPECT_EQ(Send(preflight).status, 200);
  ASSERT_EQ(s3_.received.size(), 2u);
  EXPECT_TRUE(s3_.received[1].caller.anonymous);
  EXPECT_EQ(Send(Make("GET", presigned)).status, 403);
  EXPECT_EQ(s3_.received.size(), 2u);
}

TEST_F(EdgeRouterTest, ApplicationTokensPassWhereTheServiceOwnsTheAuthorizationHeader) {
  // An execute-api-like front end: anonymous callers, bearer tokens for the application.
  class Gateway : public FakeService {
   public:
    using FakeService::FakeService;
    services::Access AccessFor(const http::Request&) const override {
      return services::Access::kAnonymousUnlessSigV4;
    }
  } gateway({.name = "execute-api",
             .signing_name = "execute-api",
             .protocol = protocol::Protocol::kRestJson1,
             .host_suffixes = {".execute-api.localhost"}});
  EdgeRouter router({&gateway, &s3_}, {.credentials = &credentials_,
                                       .signature_clock = &RealClock::Instance(),
                                       .region = "us-east-1",
                                       .account_id = "123456789012"});
  auto send = [&](http::Request request) {
    http::Response answer;
    router.Handle(std::move(request), [&](http::Response response) { answer = response; });
    return answer;
  };
  http::Request bearer = Make("GET", "/prod/pets", "a1.execute-api.localhost:4566");
  bearer.headers.emplace_back("Authorization", "Bearer allow-1");
  ASSERT_EQ(send(bearer).status, 200);
  ASSERT_EQ(gateway.received.size(), 1u);
  EXPECT_TRUE(gateway.received[0].caller.anonymous);
  // A SigV4 signature is still verified there.
  http::Request forged =
      Signed(Make("GET", "/prod/pets", "a1.execute-api.localhost:4566"), "execute-api");
  for (auto& [name, value] : forged.headers) {
    if (name == "Authorization") value.back() = value.back() == '0' ? '1' : '0';
  }
  EXPECT_EQ(send(forged).status, 403);
  EXPECT_EQ(gateway.received.size(), 1u);
  // S3's anonymous reads do not take foreign authorization schemes.
  http::Request s3_bearer = Make("GET", "/bucket/key");
  s3_bearer.headers.emplace_back("Authorization", "Bearer token");
  EXPECT_NE(send(s3_bearer).status, 200);
}

TEST_F(EdgeRouterTest, BasicAuthWithAnAccessKeyWhereTheServiceTakesIt) {
  // A Prometheus endpoint: SigV4 or Basic auth with an access key and its secret, one path only.
  class Scraped : public FakeService {
   public:
    using FakeService::FakeService;
    services::Access AccessFor(const http::Request&) const override {
      return services::Access::kSignedOrBasic;
    }
  } scraped({.name = "monitoring",
             .signing_name = "monitoring",
             .protocol = protocol::Protocol::kQuery,
             .path_prefixes = {"/metrics$"}});
  EdgeRouter router({&scraped, &s3_}, {.credentials = &credentials_,
                                       .signature_clock = &RealClock::Instance(),
                                       .region = "us-east-1",
                                       .account_id = "123456789012"});
  EXPECT_EQ(router.RouteOf(Make("GET", "/metrics")), &scraped);
  EXPECT_EQ(router.RouteOf(Make("GET", "/metrics?x=1")), &scraped);
  EXPECT_EQ(router.RouteOf(Make("GET", "/metrics-bucket/key")), &s3_);
  auto send = [&](std::string authorization) {
    http::Request request = Make("GET", "/metrics");
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    if (auto refused = router.ScreenHeader(request)) return refused->status;
    http::Response answer;
    router.Handle(std::move(request), [&](http::Response response) { answer = response; });
    return answer.status;
  };
  EXPECT_EQ(send("Basic dGVzdDp0ZXN0"), 200);  // test:test
  ASSERT_EQ(scraped.received.size(), 1u);
  EXPECT_FALSE(scraped.received[0].caller.anonymous);
  EXPECT_EQ(scraped.received[0].caller.access_key, "test");
  EXPECT_EQ(send("Basic dGVzdDp3cm9uZw=="), 401);  // test:wrong
  EXPECT_EQ(send("Basic bm9ib2R5OnRlc3Q="), 401);  // nobody:test
  EXPECT_EQ(send("Basic !!!"), 401);
  EXPECT_EQ(send(""), 403);
  EXPECT_EQ(scraped.received.size(), 1u);
  http::Request signed_request = Signed(Make("GET", "/metrics"), "monitoring");
  EXPECT_FALSE(router.ScreenHeader(signed_request).has_value());
}

TEST_F(EdgeRouterTest, OversizedBodiesAndUnclaimedRequestsAreRefused) {
  http::Request large = Make("PUT", "/bucket/key");
  large.body_too_large = true;
  http::Response too_large = Send(std::move(large));
  EXPECT_EQ(too_large.status, 413);
  EXPECT_NE(too_large.body.find("<Code>RequestEntityTooLargeException</Code>"), std::string::npos);
  EdgeRouter no_s3({&lambda_}, {.credentials = &credentials_,
                                .signature_clock = &RealClock::Instance(),
                                .region = "us-east-1"});
  http::Response unclaimed;
  no_s3.Handle(Signed(Make("GET", "/nothing/here"), "s3"),
               [&](http::Response response) { unclaimed = response; });
  EXPECT_EQ(unclaimed.status, 404);
  EXPECT_NE(unclaimed.body.find("UnknownOperationException"), std::string::npos);
  // Unsigned, it learns nothing about what exists.
  no_s3.Handle(Make("GET", "/nothing/here"),
               [&](http::Response response) { unclaimed = response; });
  EXPECT_EQ(unclaimed.status, 403);
}

TEST_F(EdgeRouterTest, LargeBodiesAreVerifiedOffTheIoThread) {
  boost::asio::io_context io;
  EdgeRouter router({&lambda_}, {.credentials = &credentials_,
                                 .signature_clock = &RealClock::Instance(),
                                 .region = "us-east-1",
                                 .post_to_io = [&io](std::function<void()> work) {
                                   boost::asio::post(io, std::move(work));
                                 }});
  auto send = [&](http::Request request) {
    std::optional<http::Response> answer;
    router.Handle(std::move(request), [&](http::Response response) { answer = response; });
    EXPECT_FALSE(answer.has_value()) << "answered before the worker checked the signature";
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!answer && std::chrono::steady_clock::now() < give_up) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    return answer.value_or(http::Response{.status = 0});
  };
  http::Request large = Make("POST", "/2015-03-31/functions");
  large.body.assign(300 * 1024, 'x');
  http::Request tampered = Signed(large, "lambda");
  EXPECT_EQ(send(Signed(std::move(large), "lambda")).status, 200);
  ASSERT_EQ(lambda_.received.size(), 1u);
  EXPECT_EQ(lambda_.received[0].caller.access_key, "test");
  EXPECT_EQ(lambda_.received[0].request.body.size(), 300u * 1024);
  tampered.body.back() = 'y';
  EXPECT_EQ(send(std::move(tampered)).status, 403);
  EXPECT_EQ(lambda_.received.size(), 1u);
}

}  // namespace
}  // namespace serval::server
