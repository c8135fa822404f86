"""IAM's refusals, as AWS words them (issue 15 part 1): MalformedPolicyDocument for documents
that are not JSON, name a principal in an identity policy, lack Resource, lack a vendor prefix
or carry unknown fields; ValidationError for names and paths outside botocore's patterns and
lengths; NoSuchEntity, DeleteConflict, LimitExceeded and InvalidInput. Run with the machine's
boto3 and Debian's (/usr/bin/python3)."""

import json

from iam_case import READ_BUCKET, TRUST, IamCase, policy_arn, unique

NAME_PATTERN = r"Member must satisfy regular expression pattern: [\w+=,.@-]+"


def statement(**fields):
    return json.dumps({"Version": "2012-10-17", "Statement": [fields]})


class BadPolicyDocumentsTest(IamCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role = unique("bad-docs")
        cls.iam.create_role(RoleName=cls.role, AssumeRolePolicyDocument=json.dumps(TRUST))

    def put(self, document, message):
        self.iam_error("put_role_policy", "MalformedPolicyDocument", 400, message,
                       RoleName=self.role, PolicyName="p", PolicyDocument=document)

    def test_syntax_error(self):
        self.put('{"Version": "2012-10-17", "Statement": [', "Syntax errors in policy.")

    def test_principal_in_identity_policy(self):
        self.put(statement(Effect="Allow", Principal={"AWS": "*"}, Action="s3:GetObject",
                           Resource="*"),
                 "Policy document should not specify a principal.")

    def test_missing_resource(self):
        self.put(statement(Effect="Allow", Action="s3:GetObject"),
                 "Policy statement must contain resources.")

    def test_missing_vendor_prefix(self):
        self.put(statement(Effect="Allow", Action="GetObject", Resource="*"),
                 "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")

    def test_unknown_field(self):
        self.put(statement(Effect="Allow", Action="s3:GetObject", Resource="*", Colour="red"),
                 "Syntax errors in policy.")

    def test_trust_policy_with_resource(self):
        document = statement(Effect="Allow", Principal={"Service": "lambda.amazonaws.com"},
                             Action="sts:AssumeRole", Resource="*")
        self.iam_error("create_role", "MalformedPolicyDocument", 400,
                       "Has prohibited field Resource",
                       RoleName=unique("bad-trust"), AssumeRolePolicyDocument=document)

    def test_bad_managed_policy_and_version(self):
        self.iam_error("create_policy", "MalformedPolicyDocument", 400,
                       PolicyName=unique("bad"), PolicyDocument="not json")
        arn = self.iam.create_policy(PolicyName=unique("good"),
                                     PolicyDocument=json.dumps(READ_BUCKET))["Policy"]["Arn"]
        self.iam_error("create_policy_version", "MalformedPolicyDocument", 400,
                       PolicyArn=arn, PolicyDocument=statement(Effect="Allow", Action="s3:*"))
        self.iam.delete_policy(PolicyArn=arn)


class BadNamesTest(IamCase):

    def test_role_name_outside_the_pattern(self):
        self.iam_error(
            "create_role", "ValidationError", 400,
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy "
            "constraint: " + NAME_PATTERN,
            RoleName="bad name", AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_role_name_too_long(self):
        name = "r" * 65
        self.iam_error(
            "create_role", "ValidationError", 400,
            f"1 validation error detected: Value '{name}' at 'roleName' failed to satisfy "
            "constraint: Member must have length less than or equal to 64",
            client=self.iam_novalidate, RoleName=name,
            AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_bad_path(self):
        self.iam_error(
            "create_role", "ValidationError", 400,
            "1 validation error detected: Value 'no-slashes' at 'path' failed to satisfy "
            r"constraint: Member must satisfy regular expression pattern: "
            r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
            RoleName=unique("path"), Path="no-slashes",
            AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_bad_user_and_policy_names(self):
        self.iam_error("create_user", "ValidationError", 400, UserName="a/b")
        self.iam_error("create_policy", "ValidationError", 400, PolicyName="a b",
                       PolicyDocument=json.dumps(READ_BUCKET))

    def test_session_duration_out_of_range(self):
        self.iam_error(
            "create_role", "ValidationError", 400,
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy "
            "constraint: Member must have value greater than or equal to 3600",
            client=self.iam_novalidate, RoleName=unique("short"), MaxSessionDuration=60,
            AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_bad_policy_arn(self):
        self.iam_error("get_policy", "InvalidInput", 400, "ARN not-an-arn-at-all-x is not valid.",
                       PolicyArn="not-an-arn-at-all-x")


class MissingAndConflictingTest(IamCase):

    def test_no_such_entity(self):
        name = unique("ghost")
        self.iam_error("get_role", "NoSuchEntity", 404,
                       f"The role with name {name} cannot be found.", RoleName=name)
        self.iam_error("delete_role", "NoSuchEntity", 404, RoleName=name)
        self.iam_error("put_role_policy", "NoSuchEntity", 404, RoleName=name, PolicyName="p",
                       PolicyDocument=json.dumps(READ_BUCKET))
        self.iam_error("get_user", "NoSuchEntity", 404,
                       f"The user with name {name} cannot be found.", UserName=name)
        arn = policy_arn(name)
        self.iam_error("get_policy", "NoSuchEntity", 404, f"Policy {arn} was not found.",
                       PolicyArn=arn)
        self.iam_error("get_policy_version", "NoSuchEntity", 404,
                       "Policy arn:aws:iam::aws:policy/AdministratorAccess version v9 does not "
                       "exist or is not attachable.",
                       PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess", VersionId="v9")
        self.iam_error("delete_access_key", "NoSuchEntity", 404,
                       AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
