#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "common/clock.h"
#include "iam/authorizer.h"
#include "invoker/invoker.h"
#include "services/lambda/function_registry.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::lambda_url {

// The function URLs themselves: "http://{url-id}.lambda-url.{region}.localhost:{port}/..." (any
// method and path) invokes the function or alias the URL was created for
// (CreateFunctionUrlConfig, in the Lambda front end) with a payload 2.0 event, and answers with
// what the function returned. AuthType NONE admits anonymous callers when the function's policy
// grants lambda:InvokeFunctionUrl publicly; AWS_IAM wants a request signed for "lambda".
// docs/function_urls_and_http_apis.md has the details. Runs only on the io thread.
class LambdaUrlService : public services::Service {
 public:
  struct Dependencies {
    AccountContext account;
    lambda::FunctionRegistry* registry = nullptr;
    invoker::Invoker* invoker = nullptr;
    const Clock* clock = nullptr;
    // Holds signed callers of AWS_IAM URLs to lambda:InvokeFunctionUrl (null: all allowed).
    iam::Authorizer* authorizer = nullptr;
  };

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  explicit LambdaUrlService(Dependencies dependencies);

  const services::ServiceInfo& info() const override { return info_; }
  // Anonymous requests are let through to Handle, which refuses them for AWS_IAM URLs: whether a
  // URL exists and how it is protected is not known from the headers alone.
  services::Access AccessFor(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;

 private:
  Dependencies deps_;
  std::string host_suffix_;  // ".lambda-url.{region}.localhost"
  services::ServiceInfo info_;
};

}  // namespace serval::lambda_url
