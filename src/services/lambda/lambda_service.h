#pragma once

#include <memory>
#include <string>

#include "common/arn.h"
#include "common/clock.h"
#include "http/message.h"
#include "sandbox/pool.h"
#include "services/lambda/code_store.h"
#include "services/lambda/function_registry.h"

namespace serval::lambda {

// The Lambda front end: the 2015-03-31 REST API (control plane and Invoke) as the AWS CLI,
// boto3 and the JS SDK v3 send it. Runs only on the io thread.
class LambdaService {
 public:
  struct Dependencies {
    AccountContext account;
    FunctionRegistry* registry = nullptr;
    CodeStore* code_store = nullptr;
    sandbox::EnvironmentPool* pool = nullptr;
    const Clock* clock = nullptr;
    std::string endpoint;  // http://host:port, for GetFunction's Code.Location
  };

  explicit LambdaService(Dependencies dependencies) : deps_(std::move(dependencies)) {}

  // True for request paths this service owns (/2015-03-31/functions...).
  static bool Owns(const http::Request& request);
  void Handle(http::Request&& request, http::Responder respond);

 private:
  void CreateFunction(const http::Request& request, http::Responder& respond,
                      const std::string& request_id);
  void ListFunctions(const http::Request& request, http::Responder& respond,
                     const std::string& request_id);
  void GetFunction(const FunctionRegistry::Entry& entry, http::Responder& respond,
                   const std::string& request_id, bool configuration_only);
  void DeleteFunction(const FunctionRegistry::Entry& entry, http::Responder& respond,
                      const std::string& request_id);
  void UpdateFunction(const FunctionRegistry::Entry& entry, const http::Request& request,
                      http::Responder& respond, const std::string& request_id, bool code);
  void Invoke(const FunctionRegistry::Entry& entry, http::Request&& request,
              http::Responder& respond, const std::string& request_id);
  // Stores the new definition and retires environments running the old one.
  absl::Status Replace(const FunctionConfig& old_config, FunctionConfig updated);
  void CollectCode(const std::string& code_id);

  Dependencies deps_;
};

}  // namespace serval::lambda
