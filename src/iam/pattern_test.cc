#include "iam/pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iam/evaluator.h"
#include "iam/request_keys.h"

namespace serval::iam {
namespace {

struct Case {
  std::string pattern;
  std::string subject;
  bool matches;
};

constexpr Pattern::Options kAction{.wildcards = true, .ignore_case = true};
constexpr Pattern::Options kResource{.wildcards = true, .variables = true, .arn_segments = true};

TEST(Pattern, ActionsMatchCaseInsensitivelyWithWildcards) {
  const Case cases[] = {
      {"s3:GetObject", "s3:getobject", true},
      {"S3:Get*", "s3:GetObjectAcl", true},
      {"s3:Get*", "s3:PutObject", false},
      {"s3:*Object", "s3:PutObject", true},
      {"s3:?etObject", "s3:GetObject", true},
      {"s3:?etObject", "s3:etObject", false},
      {"*", "anything:AtAll", true},
      {"ec2:Describe*", "ec2:DescribeInstances", true},
      {"logs:*", "logsx:PutLogEvents", false},
      {"s3:Get*Acl", "s3:GetObjectVersionAcl", true},
      {"s3:Get*Acl", "s3:GetObjectVersion", false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Pattern> pattern = Pattern::Compile(c.pattern, kAction);
    ASSERT_TRUE(pattern.ok());
    EXPECT_EQ(pattern->Matches(c.subject, nullptr), c.matches) << c.pattern << " ~ " << c.subject;
  }
}

TEST(Pattern, ResourcesMatchCaseSensitivelyBySegment) {
  const Case cases[] = {
      {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c.txt", true},
      {"arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", false},
      {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
      {"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", true},
      // The resource segment takes in ':' and '/'.
      {"arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*", true},
      {"arn:aws:logs:*:*:*", "arn:aws:s3:::bucket", false},
      // A wildcard stays within its segment: the region's '*' does not reach into the account.
      {"arn:aws:dynamodb:*:000000000000:table/Videos", "arn:aws:dynamodb:us-east-1:000000000000:table/Videos", true},
      {"arn:aws:dynamodb:us-*:000000000000:table/Videos", "arn:aws:dynamodb:eu-west-1:000000000000:table/Videos", false},
      {"arn:aws:dynamodb:*:111111111111:table/Videos", "arn:aws:dynamodb:us-east-1:000000000000:table/Videos", false},
      {"arn:aws:sns:us-east-1:000000000000:topic", "not-an-arn", false},
      {"*", "arn:aws:s3:::anything", true},
      {"arn:*", "arn:aws:s3:::anything", true},
      {"arn:aws:s3:::b/?", "arn:aws:s3:::b/x", true},
      {"arn:aws:s3:::b/?", "arn:aws:s3:::b/xy", false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Pattern> pattern = Pattern::Compile(c.pattern, kResource);
    ASSERT_TRUE(pattern.ok());
    EXPECT_EQ(pattern->Matches(c.subject, nullptr), c.matches) << c.pattern << " ~ " << c.subject;
  }
}

TEST(Pattern, PolicyVariablesComeFromTheRequest) {
  const Principal user{.kind = Principal::Kind::kUser,
                       .arn = "arn:aws:iam::000000000000:user/staff/alice",
                       .account_id = "000000000000",
                       .user_id = "AIDAEXAMPLE"};
  const std::vector<ContextValue> context = {{"s3:prefix", {"home/alice/"}},
                                             {"multi", {"a", "b"}}};
  const AccessQuery query{.principal = &user, .action = "s3:GetObject", .context = context};
  const RequestKeys keys(query);
  const Case cases[] = {
      {"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/notes.txt", true},
      {"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/bob/notes.txt", false},
      {"arn:aws:s3:::home/${AWS:UserName}/*", "arn:aws:s3:::home/alice/x", true},
      {"arn:aws:s3:::id/${aws:userid}", "arn:aws:s3:::id/AIDAEXAMPLE", true},
      {"arn:aws:s3:::acct/${aws:PrincipalAccount}", "arn:aws:s3:::acct/000000000000", true},
      // The escapes are literal characters, not wildcards.
      {"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true},
      {"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", false},
      {"arn:aws:s3:::b/${?}${$}", "arn:aws:s3:::b/?$", true},
      // No value: no match, unless a default is given. A multivalued key is no value.
      {"arn:aws:s3:::b/${aws:SourceArn}", "arn:aws:s3:::b/", false},
      {"arn:aws:s3:::b/${aws:SourceArn, 'none'}", "arn:aws:s3:::b/none", true},
      {"arn:aws:s3:::b/${multi}", "arn:aws:s3:::b/a", false},
      {"arn:aws:s3:::b/${s3:prefix}*", "arn:aws:s3:::b/home/alice/x", true},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Pattern> pattern = Pattern::Compile(c.pattern, kResource);
    ASSERT_TRUE(pattern.ok());
    EXPECT_EQ(pattern->Matches(c.subject, &keys), c.matches) << c.pattern << " ~ " << c.subject;
  }
  // Without variables (a 2008-10-17 policy) "${...}" is literal text.
  absl::StatusOr<Pattern> literal = Pattern::Compile("a/${aws:username}", {.wildcards = true});
  ASSERT_TRUE(literal.ok());
  EXPECT_TRUE(literal->Matches("a/${aws:username}", &keys));
  EXPECT_FALSE(Pattern::Compile("a/${aws:username", kResource).ok());
}

}  // namespace
}  // namespace serval::iam
