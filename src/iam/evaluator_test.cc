#include "iam/evaluator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace serval::iam {
namespace {

constexpr std::string_view kAccount = "000000000000";

Principal Session(std::string_view role, std::string_view session) {
  return Principal{.kind = Principal::Kind::kAssumedRole,
                   .arn = "arn:aws:sts::000000000000:assumed-role/" + std::string(role) + "/" +
                          std::string(session),
                   .account_id = std::string(kAccount),
                   .role_arn = "arn:aws:iam::000000000000:role/" + std::string(role)};
}

const Principal kRoot{.kind = Principal::Kind::kAccountRoot,
                      .arn = "arn:aws:iam::000000000000:root",
                      .account_id = "000000000000",
                      .user_id = "000000000000"};
const Principal kAlice{.kind = Principal::Kind::kUser,
                       .arn = "arn:aws:iam::000000000000:user/alice",
                       .account_id = "000000000000",
                       .user_id = "AIDAALICE"};
const Principal kS3{.kind = Principal::Kind::kService, .arn = "s3.amazonaws.com"};
const Principal kNobody{};

PolicyDocument Parse(const std::string& text, PolicyKind kind) {
  absl::StatusOr<PolicyDocument> policy = ParsePolicy(text, kind);
  EXPECT_TRUE(policy.ok()) << policy.status() << "\n" << text;
  return policy.ok() ? *policy : PolicyDocument();
}

PolicyDocument Identity(const std::string& statements) {
  return Parse(R"({"Version":"2012-10-17","Statement":[)" + statements + "]}",
               PolicyKind::kIdentity);
}

PolicyDocument Resource(const std::string& statements) {
  return Parse(R"({"Version":"2012-10-17","Statement":[)" + statements + "]}",
               PolicyKind::kResource);
}

struct Request {
  const Principal* principal;
  std::string action;
  std::string resource;
  Decision decision;
  DecidedBy decided_by;
};

void ExpectDecisions(const std::vector<PolicyDocument>& identity, const PolicyDocument* resource,
                     const std::vector<Request>& requests) {
  for (const Request& r : requests) {
    const AccessQuery query{.principal = r.principal, .action = r.action, .resource = r.resource};
    const Evaluation evaluation = Evaluate(query, identity, resource);
    EXPECT_EQ(evaluation.decision, r.decision) << r.action << " " << r.resource;
    EXPECT_EQ(evaluation.decided_by, r.decided_by) << r.action << " " << r.resource;
  }
}

constexpr Decision kAllow = Decision::kAllow;
constexpr Decision kImplicit = Decision::kImplicitDeny;
constexpr Decision kExplicit = Decision::kExplicitDeny;
constexpr DecidedBy kByIdentity = DecidedBy::kIdentityPolicy;
constexpr DecidedBy kByResource = DecidedBy::kResourcePolicy;
constexpr DecidedBy kByNone = DecidedBy::kNoPolicy;

TEST(Evaluate, TheEc2SchedulersRole) {
  const Principal scheduler = Session("ec2-scheduler", "scheduler");
  const std::vector<PolicyDocument> role = {Identity(R"(
      {"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:*"},
      {"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StartInstances","ec2:StopInstances"],"Resource":"*"})")};
  ExpectDecisions(
      role, nullptr,
      {{&scheduler, "ec2:DescribeInstances", "*", kAllow, kByIdentity},
       {&scheduler, "ec2:StopInstances", "arn:aws:ec2:us-east-1:000000000000:instance/i-1", kAllow,
        kByIdentity},
       {&scheduler, "ec2:TerminateInstances", "arn:aws:ec2:us-east-1:000000000000:instance/i-1",
        kImplicit, kByNone},
       {&scheduler, "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/scheduler:log-stream:x", kAllow,
        kByIdentity},
       {&scheduler, "logs:DeleteLogGroup", "arn:aws:logs:us-east-1:000000000000:log-group:x",
        kImplicit, kByNone},
       {&scheduler, "s3:GetObject", "arn:aws:s3:::b/k", kImplicit, kByNone}});
}

TEST(Evaluate, TheReplicationAndVideoFunctionsAndBasicExecution) {
  const Principal replicator = Session("replication", "replicate");
  const std::vector<PolicyDocument> replication = {Identity(R"(
      {"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::source-bucket/*"]},
      {"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::destination-bucket/*"]})")};
  ExpectDecisions(
      replication, nullptr,
      {{&replicator, "s3:GetObject", "arn:aws:s3:::source-bucket/a/b.jpg", kAllow, kByIdentity},
       {&replicator, "s3:PutObject", "arn:aws:s3:::source-bucket/a/b.jpg", kImplicit, kByNone},
       {&replicator, "s3:PutObject", "arn:aws:s3:::destination-bucket/a/b.jpg", kAllow,
        kByIdentity},
       {&replicator, "s3:GetObject", "arn:aws:s3:::destination-bucket/a/b.jpg", kImplicit, kByNone},
       {&replicator, "s3:GetObject", "arn:aws:s3:::source-bucket", kImplicit, kByNone}});
  const Principal video = Session("video", "transcode");
  const std::vector<PolicyDocument> video_role = {
      // AWSLambdaBasicExecutionRole, attached, and the function's inline policy.
      Identity(
          R"({"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"})"),
      Identity(
          R"({"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Videos"},
                  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::videos/*"})")};
  ExpectDecisions(
      video_role, nullptr,
      {{&video, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Videos", kAllow,
        kByIdentity},
       {&video, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Other",
        kImplicit, kByNone},
       {&video, "dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Videos",
        kImplicit, kByNone},
       {&video, "logs:CreateLogStream",
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/video", kAllow, kByIdentity},
       {&video, "s3:GetObject", "arn:aws:s3:::videos/cat.mp4", kAllow, kByIdentity}});
}

// reference_policies_evaluation-logic: an explicit Deny anywhere wins; NotAction and NotResource
// invert their element.
TEST(Evaluate, ExplicitDenyWinsAndNotElementsInvert) {
  const Principal worker = Session("worker", "w");
  const std::vector<PolicyDocument> role = {
      Identity(R"({"Effect":"Allow","Action":"s3:*","Resource":"*"},
                  {"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::keep/*"})"),
      Identity(R"({"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:sqs:*:*:*"})")};
  ExpectDecisions(
      role, nullptr,
      {{&worker, "s3:DeleteObject", "arn:aws:s3:::keep/x", kExplicit, kByIdentity},
       {&worker, "S3:deleteobject", "arn:aws:s3:::keep/x", kExplicit, kByIdentity},
       {&worker, "s3:DeleteObject", "arn:aws:s3:::other/x", kAllow, kByIdentity},
       {&worker, "sns:Publish", "arn:aws:sns:us-east-1:000000000000:t", kAllow, kByIdentity},
       {&worker, "iam:CreateRole", "arn:aws:iam::000000000000:role/x", kImplicit, kByNone},
       {&worker, "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q", kImplicit, kByNone}});
  // No policies at all: implicit deny; the account root is allowed.
  ExpectDecisions({}, nullptr,
                  {{&worker, "s3:GetObject", "arn:aws:s3:::b/k", kImplicit, kByNone},
                   {&kRoot, "s3:GetObject", "arn:aws:s3:::b/k", kAllow, kByIdentity},
                   {&kNobody, "s3:GetObject", "arn:aws:s3:::b/k", kImplicit, kByNone}});
}

TEST(Evaluate, SourceIpConditionsSeeTheCallersAddress) {
  const Principal worker = Session("worker", "w");
  const std::vector<PolicyDocument> role = {Identity(
      R"({"Effect":"Allow","Action":"s3:*","Resource":"*",
          "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}},
         {"Effect":"Deny","Action":"s3:Delete*","Resource":"*",
          "Condition":{"NotIpAddress":{"aws:SourceIp":"10.9.0.0/16"}}})")};
  const auto decide = [&](std::string_view action, std::string_view source_ip) {
    const AccessQuery query{.principal = &worker,
                            .action = action,
                            .resource = "arn:aws:s3:::b/k",
                            .source_ip = source_ip};
    return Evaluate(query, role, nullptr).decision;
  };
  EXPECT_EQ(decide("s3:GetObject", "10.1.2.3"), kAllow);
  EXPECT_EQ(decide("s3:GetObject", "2001:db8::7"), kAllow);
  EXPECT_EQ(decide("s3:GetObject", "127.0.0.1"), kImplicit);
  // No address (a service acting for itself): IpAddress does not hold; NotIpAddress does.
  EXPECT_EQ(decide("s3:GetObject", ""), kImplicit);
  EXPECT_EQ(decide("s3:DeleteObject", "10.1.2.3"), kExplicit);
  EXPECT_EQ(decide("s3:DeleteObject", "10.9.0.1"), kAllow);
}

TEST(Evaluate, ResourcePoliciesAndThePrincipalsTheyName) {
  const Principal reader = Session("reader", "r");
  const Principal writer = Session("writer", "w");
  const PolicyDocument bucket = Resource(R"(
      {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"},
      {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
      {"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"},
      {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
      {"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::b/*"},
      {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::b"},
      {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::000000000000:role/writer","arn:aws:iam::000000000000:user/alice"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/locked/*"})");
  const std::vector<PolicyDocument> writer_role = {
      Identity(R"({"Effect":"Allow","Action":"s3:*","Resource":"*"})")};
  ExpectDecisions(
      {}, &bucket,
      {// "*" names anyone, anonymous callers included.
       {&kNobody, "s3:GetObject", "arn:aws:s3:::b/public/a.html", kAllow, kByResource},
       {&kNobody, "s3:GetObject", "arn:aws:s3:::b/private/a.html", kImplicit, kByNone},
       // A role ARN names every session of the role.
       {&reader, "s3:GetObject", "arn:aws:s3:::b/private/a.html", kAllow, kByResource},
       {&writer, "s3:GetObject", "arn:aws:s3:::b/private/a.html", kImplicit, kByNone},
       {&kAlice, "s3:PutObject", "arn:aws:s3:::b/x", kAllow, kByResource},
       {&kS3, "s3:ReplicateObject", "arn:aws:s3:::b/x", kAllow, kByResource},
       {&kS3, "s3:GetObject", "arn:aws:s3:::b/private/x", kImplicit, kByNone},
       // Naming the account: its Allow delegates to identity policies (only the root gets it)...
       {&reader, "s3:ListBucket", "arn:aws:s3:::b", kImplicit, kByNone},
       {&kRoot, "s3:ListBucket", "arn:aws:s3:::b", kAllow, kByIdentity},
       // ...but its Deny reaches every principal of the account.
       {&reader, "s3:DeleteBucket", "arn:aws:s3:::b", kExplicit, kByResource},
       {&kRoot, "s3:DeleteBucket", "arn:aws:s3:::b", kExplicit, kByResource},
       // NotPrincipal with Deny: everyone but those it names.
       {&reader, "s3:PutObject", "arn:aws:s3:::b/locked/x", kExplicit, kByResource},
       {&kAlice, "s3:PutObject", "arn:aws:s3:::b/locked/x", kAllow, kByResource}});
  ExpectDecisions(writer_role, &bucket,
                  {{&writer, "s3:ListBucket", "arn:aws:s3:::b", kAllow, kByIdentity},
                   {&writer, "s3:PutObject", "arn:aws:s3:::b/locked/x", kAllow, kByIdentity},
                   {&writer, "s3:DeleteBucket", "arn:aws:s3:::b", kExplicit, kByResource}});
  // A session ARN names that session only.
  const PolicyDocument topic = Resource(
      R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::000000000000:assumed-role/reader/r"},"Action":"sns:Publish","Resource":"*"})");
  const Principal other_session = Session("reader", "other");
  ExpectDecisions(
      {}, &topic,
      {{&reader, "sns:Publish", "arn:aws:sns:us-east-1:000000000000:t", kAllow, kByResource},
       {&other_session, "sns:Publish", "arn:aws:sns:us-east-1:000000000000:t", kImplicit,
        kByNone}});
}

TEST(Evaluate, PolicyVariablesScopeResourcesToTheCaller) {
  const std::vector<PolicyDocument> policy = {Identity(
      R"({"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"})")};
  ExpectDecisions(policy, nullptr,
                  {{&kAlice, "s3:GetObject", "arn:aws:s3:::home/alice/notes", kAllow, kByIdentity},
                   {&kAlice, "s3:GetObject", "arn:aws:s3:::home/bob/notes", kImplicit, kByNone}});
  // A role session has no aws:username: the statement matches nothing.
  const Principal session = Session("alice", "alice");
  ExpectDecisions(
      policy, nullptr,
      {{&session, "s3:GetObject", "arn:aws:s3:::home/alice/notes", kImplicit, kByNone}});
}

TEST(TrustAllows, NamesThePrincipalOrDelegatesToItsAccount) {
  const PolicyDocument lambda_trust = Parse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})",
      PolicyKind::kTrust);
  const PolicyDocument account_trust = Parse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"},
          {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/mallory"},"Action":"sts:AssumeRole"}]})",
      PolicyKind::kTrust);
  const PolicyDocument user_trust = Parse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]})",
      PolicyKind::kTrust);
  const Principal lambda{.kind = Principal::Kind::kService, .arn = "lambda.amazonaws.com"};
  const Principal mallory{.kind = Principal::Kind::kUser,
                          .arn = "arn:aws:iam::000000000000:user/mallory",
                          .account_id = "000000000000"};
  const std::vector<PolicyDocument> may_assume = {Identity(
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::000000000000:role/*"})")};
  const std::vector<PolicyDocument> denied = {
      Identity(R"({"Effect":"Deny","Action":"sts:*","Resource":"*"})")};
  auto query = [](const Principal& principal, const std::vector<ContextValue>& context = {}) {
    return AccessQuery{.principal = &principal,
                       .action = "sts:AssumeRole",
                       .resource = "arn:aws:iam::000000000000:role/target",
                       .context = context};
  };
  EXPECT_TRUE(TrustAllows(lambda_trust, query(lambda), {}));
  EXPECT_FALSE(TrustAllows(lambda_trust, query(kS3), {}));
  EXPECT_FALSE(TrustAllows(lambda_trust, query(kAlice), may_assume));
  // Naming the account: the caller's own policies must allow it too.
  EXPECT_FALSE(TrustAllows(account_trust, query(kAlice), {}));
  EXPECT_TRUE(TrustAllows(account_trust, query(kAlice), may_assume));
  EXPECT_TRUE(TrustAllows(account_trust, query(kRoot), {}));
  EXPECT_FALSE(TrustAllows(account_trust, query(mallory), may_assume));
  // Named directly (and its condition met): no identity policy needed, but a Deny still refuses.
  const std::vector<ContextValue> mfa = {{"aws:MultiFactorAuthPresent", {"true"}}};
  EXPECT_TRUE(TrustAllows(user_trust, query(kAlice, mfa), {}));
  EXPECT_FALSE(TrustAllows(user_trust, query(kAlice), {}));
  EXPECT_FALSE(TrustAllows(user_trust, query(kAlice, mfa), denied));
}

TEST(DenialMessage, SpeaksAsAws) {
  const Principal function = Session("ROLE", "FUNC");
  const AccessQuery query{
      .principal = &function, .action = "s3:GetObject", .resource = "arn:aws:s3:::bucket/key"};
  EXPECT_EQ(DenialMessage(query, {kImplicit, kByNone}),
            "User: arn:aws:sts::000000000000:assumed-role/ROLE/FUNC is not authorized to perform: "
            "s3:GetObject on resource: arn:aws:s3:::bucket/key because no identity-based policy "
            "allows the s3:GetObject action");
  EXPECT_EQ(DenialMessage(query, {kExplicit, kByIdentity}),
            "User: arn:aws:sts::000000000000:assumed-role/ROLE/FUNC is not authorized to perform: "
            "s3:GetObject on resource: arn:aws:s3:::bucket/key with an explicit deny in an "
            "identity-based policy");
  EXPECT_EQ(DenialMessage(query, {kExplicit, kByResource}),
            "User: arn:aws:sts::000000000000:assumed-role/ROLE/FUNC is not authorized to perform: "
            "s3:GetObject on resource: arn:aws:s3:::bucket/key with an explicit deny in a "
            "resource-based policy");
  const AccessQuery anonymous{
      .principal = &kNobody, .action = "ec2:DescribeInstances", .resource = "*"};
  EXPECT_EQ(DenialMessage(anonymous, {kImplicit, kByNone}),
            "User: anonymous is not authorized to perform: ec2:DescribeInstances on resource: * "
            "because no "
            "identity-based policy allows the ec2:DescribeInstances action");
  EXPECT_EQ(AllowingStatement(query),
            R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/key"})");
}

}  // namespace
}  // namespace serval::iam
