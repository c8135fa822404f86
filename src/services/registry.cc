#include "services/registry.h"

#include "services/apigateway/apigateway_service.h"
#include "services/apigatewayv2/apigatewayv2_service.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/ec2/ec2_service.h"
#include "services/events/events_service.h"
#include "services/iam/iam_service.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda_url/lambda_url_service.h"
#include "services/logs/logs_service.h"
#include "services/monitoring/monitoring_service.h"
#include "services/rds/rds_service.h"
#include "services/s3/s3_service.h"
#include "services/sns/sns_service.h"
#include "services/sts/sts_service.h"

namespace serval::services {
namespace {

using Services = std::vector<std::unique_ptr<Service>>;
using Factory = absl::StatusOr<Services> (*)(const Platform&);

// The factory of a service that is one front end: its static Create.
template <absl::StatusOr<std::unique_ptr<Service>> (*kCreate)(const Platform&)>
absl::StatusOr<Services> One(const Platform& platform) {
  auto service = kCreate(platform);
  if (!service.ok()) return service.status();
  Services services;
  services.push_back(*std::move(service));
  return services;
}

// Every front end, one line each. A new service is a folder under services/ whose class
// implements Service (service.h) with a static Create, plus one line here and its library in
// services/CMakeLists.txt (docs/architecture.md has the checklist). Front ends that share state
// (API Gateway's control plane and its execute-api endpoint) come from one factory.
// clang-format off
constexpr Factory kServices[] = {
    &One<&lambda::LambdaService::Create>,
    &One<&lambda_url::LambdaUrlService::Create>,
    &One<&events::EventsService::Create>,
    &One<&s3::S3Service::Create>,
    &One<&sns::SnsService::Create>,
    &apigateway::CreateFrontEnds,
    &One<&apigatewayv2::Apigatewayv2Service::Create>,
    &One<&dynamodb::DynamoDbService::Create>,
    &One<&logs::LogsService::Create>,
    &One<&monitoring::MonitoringService::Create>,
    &One<&iam_api::IamService::Create>,
    &One<&sts::StsService::Create>,
    &One<&rds::RdsService::Create>,
    &One<&ec2::Ec2Service::Create>,
};
// clang-format on

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<Service>>> CreateServices(const Platform& platform) {
  Services services;
  for (Factory create : kServices) {
    auto created = create(platform);
    if (!created.ok()) return created.status();
    for (auto& service : *created) services.push_back(std::move(service));
  }
  return services;
}

}  // namespace serval::services
