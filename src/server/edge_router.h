#pragma once

#include <string>

#include "http/message.h"
#include "services/lambda/code_store.h"
#include "services/lambda/lambda_service.h"

namespace serval::server {

// The one entry point of the edge port: Serval's own endpoints (/_serval/...) first, then the AWS
// front ends by path. Runs only on the io thread.
class EdgeRouter {
 public:
  EdgeRouter(lambda::LambdaService* lambda, lambda::CodeStore* code_store)
      : lambda_(lambda), code_store_(code_store) {}

  void Handle(http::Request&& request, http::Responder respond);

 private:
  void ServeCode(const http::Request& request, http::Responder& respond);

  lambda::LambdaService* lambda_;
  lambda::CodeStore* code_store_;
};

}  // namespace serval::server
