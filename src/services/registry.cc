#include "services/registry.h"

#include "services/apigatewayv2/apigatewayv2_service.h"
#include "services/events/events_service.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda_url/lambda_url_service.h"
#include "services/s3/s3_service.h"
#include "services/sns/sns_service.h"

namespace serval::services {
namespace {

using Factory = absl::StatusOr<std::unique_ptr<Service>> (*)(const Platform&);

// Every front end, one line each. A new service is a folder under services/ whose class
// implements Service (service.h) with a static Create, plus one line here and its library in
// services/CMakeLists.txt (docs/architecture.md has the checklist).
constexpr Factory kServices[] = {
    &lambda::LambdaService::Create, &lambda_url::LambdaUrlService::Create,
    &events::EventsService::Create, &s3::S3Service::Create,
    &sns::SnsService::Create,       &apigatewayv2::Apigatewayv2Service::Create,
};

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<Service>>> CreateServices(const Platform& platform) {
  std::vector<std::unique_ptr<Service>> services;
  for (Factory create : kServices) {
    auto service = create(platform);
    if (!service.ok()) return service.status();
    services.push_back(*std::move(service));
  }
  return services;
}

}  // namespace serval::services
