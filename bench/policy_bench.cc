// policy_bench: what iam::Evaluate costs the io thread for one request of a function whose role
// has ten statements (two with conditions) plus AWSLambdaBasicExecutionRole: an allowed request
// (its statement last), an implicitly denied one (every statement tried) and an explicitly denied
// one. Google Benchmark; run with --benchmark_repetitions=N for medians.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "iam/evaluator.h"
#include "iam/policy.h"

namespace {

using namespace serval::iam;

PolicyDocument MustParse(const std::string& text) {
  absl::StatusOr<PolicyDocument> policy = ParsePolicy(text, PolicyKind::kIdentity);
  if (!policy.ok()) std::abort();
  return *policy;
}

struct Fixture {
  Fixture() {
    policies.push_back(MustParse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:*"},
      {"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StartInstances","ec2:StopInstances"],"Resource":"*"},
      {"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Videos"},
      {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Videos/index/*"},
      {"Effect":"Allow","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:000000000000:alerts"},
      {"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:work","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:alerts"}}},
      {"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::source-bucket/*"},
      {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::source-bucket","Condition":{"StringLike":{"s3:prefix":["incoming/*","${aws:PrincipalAccount}/*"]}}},
      {"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::destination-bucket/*"},
      {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::source-bucket/*","Condition":{"Bool":{"aws:SecureTransport":"false"},"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]})"));
    policies.push_back(MustParse(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})"));
  }
  Principal principal{.kind = Principal::Kind::kAssumedRole,
                      .arn = "arn:aws:sts::000000000000:assumed-role/replication/replicate",
                      .account_id = "000000000000",
                      .role_arn = "arn:aws:iam::000000000000:role/replication",
                      .user_id = "AROAEXAMPLE:replicate"};
  std::vector<ContextValue> context = {{"aws:SecureTransport", {"false"}},
                                       {"aws:SourceIp", {"127.0.0.1"}}};
  std::vector<PolicyDocument> policies;
};

void Run(benchmark::State& state, std::string_view action, std::string_view resource,
         Decision expected) {
  static const Fixture fixture;
  const AccessQuery query{.principal = &fixture.principal,
                          .action = action,
                          .resource = resource,
                          .context = fixture.context,
                          .now_millis = 1714564800000};
  for (auto _ : state) {
    const Evaluation evaluation = Evaluate(query, fixture.policies, nullptr);
    benchmark::DoNotOptimize(evaluation);
    if (evaluation.decision != expected) state.SkipWithError("unexpected decision");
  }
}

void BM_EvaluateAllowed(benchmark::State& state) {
  Run(state, "s3:GetObject", "arn:aws:s3:::source-bucket/photos/cat.jpg", Decision::kAllow);
}
void BM_EvaluateImplicitDeny(benchmark::State& state) {
  Run(state, "s3:GetObject", "arn:aws:s3:::other-bucket/photos/cat.jpg", Decision::kImplicitDeny);
}
void BM_EvaluateExplicitDeny(benchmark::State& state) {
  Run(state, "s3:DeleteObject", "arn:aws:s3:::source-bucket/photos/cat.jpg",
      Decision::kExplicitDeny);
}
BENCHMARK(BM_EvaluateAllowed);
BENCHMARK(BM_EvaluateImplicitDeny);
BENCHMARK(BM_EvaluateExplicitDeny);

}  // namespace

BENCHMARK_MAIN();
