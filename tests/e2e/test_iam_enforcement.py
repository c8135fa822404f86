"""Issue 15: the policies of users, role sessions and functions, held to in each --iam mode.

* enforce: a function whose role may read one bucket reads it and is refused the other with S3's
  AccessDenied and AWS's message; policy changes apply at once; an explicit Deny wins; a role that
  does not exist or does not trust Lambda is refused at CreateFunction; a function cannot read
  another function's configuration, code or environment; an IAM user's keys do what the user's
  policies allow; AssumeRole hands out credentials that act as the role, only to principals its
  trust policy names; the operator's keys are the account root.
* warn (the default): the same refused calls succeed, each is reported once on stderr with the
  statement that would allow it, and listed on /_serval/stats.
* off: nothing is evaluated or listed.
"""

import base64
import json
import subprocess
import tempfile
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from iam_case import role_session
from serval_harness import ACCOUNT, REGION, ServalTestCase, python_zip, unique_name

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def reader_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
        ],
    }


def denial(principal, action, resource, why="because no identity-based policy allows the {}"
           " action"):
    return (f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
            + why.format(action))


class IamCase(ServalTestCase):
    """Roles, buckets and a caller function shared by the tests of one mode."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.serval.client("iam")
        cls.s3 = cls.serval.client("s3")
        suffix = unique_name("b").lower().replace("_", "-")
        cls.allowed = f"allowed-{suffix}"
        cls.denied = f"denied-{suffix}"
        for bucket in (cls.allowed, cls.denied):
            cls.s3.create_bucket(Bucket=bucket)
            cls.s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"content of " + bucket.encode())
        cls.role_name = unique_name("reader")
        cls.role_arn = cls.make_role(cls.role_name, reader_policy(cls.allowed))

    @classmethod
    def make_role(cls, name, inline_policy=None, trust=LAMBDA_TRUST):
        arn = cls.iam.create_role(RoleName=name,
                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        cls.iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
        if inline_policy is not None:
            cls.iam.put_role_policy(RoleName=name, PolicyName="access",
                                    PolicyDocument=json.dumps(inline_policy))
        return arn

    def caller_function(self, role_arn=None):
        """A function (with `role_arn`, default the reader role) that makes the AWS calls its
        event names."""
        name = unique_name("caller")
        self.create_function(name=name, zip_bytes=python_zip("aws_caller"),
                             handler="aws_caller.lambda_handler", Role=role_arn or self.role_arn,
                             Timeout=30)
        return name

    def calls(self, function, *calls):
        return self.invoke_json(function, {"calls": [
            {"service": service, "op": op, "args": args} for service, op, args in calls]})["calls"]

    def get_object(self, bucket):
        return ("s3", "get_object", {"Bucket": bucket, "Key": "doc.txt"})

    def session_arn(self, function, role_name=None):
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name or self.role_name}/{function}"

    def stats(self):
        with urllib.request.urlopen(self.serval.endpoint + "/_serval/stats", timeout=10) as r:
            return json.loads(r.read())


class EnforceMode(IamCase):
    SERVAL_ARGS = ("--iam", "enforce")

    def test_function_reads_the_bucket_its_role_allows_and_not_the_other(self):
        function = self.caller_function()
        allowed, denied, put = self.calls(
            function, self.get_object(self.allowed), self.get_object(self.denied),
            ("s3", "put_object", {"Bucket": self.allowed, "Key": "new.txt", "Body": "x"}))
        self.assertTrue(allowed.get("ok"), allowed)
        self.assertEqual(allowed["result"]["Body"], f"content of {self.allowed}")
        self.assertEqual(denied["error"], "AccessDenied")
        self.assertEqual(denied["status"], 403)
        self.assertEqual(denied["message"], denial(self.session_arn(function), "s3:GetObject",
                                                   f"arn:aws:s3:::{self.denied}/doc.txt"))
        self.assertEqual(put["error"], "AccessDenied", put)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket=self.allowed, Key="new.txt")

    def test_caller_identity_inside_a_function_is_its_role_session(self):
        function = self.caller_function()
        (identity,) = self.calls(function, ("sts", "get_caller_identity", {}))
        self.assertTrue(identity.get("ok"), identity)
        self.assertEqual(identity["result"]["Arn"], self.session_arn(function))
        self.assertEqual(identity["result"]["Account"], ACCOUNT)
        role_id = self.iam.get_role(RoleName=self.role_name)["Role"]["RoleId"]
        self.assertEqual(identity["result"]["UserId"], f"{role_id}:{function}")

    def test_policy_changes_apply_to_the_next_call(self):
        name = unique_name("changing")
        role_arn = self.make_role(name)
        function = self.caller_function(role_arn)
        (before,) = self.calls(function, self.get_object(self.denied))
        self.assertEqual(before["error"], "AccessDenied")
        self.iam.put_role_policy(RoleName=name, PolicyName="now",
                                 PolicyDocument=json.dumps(reader_policy(self.denied)))
        (granted,) = self.calls(function, self.get_object(self.denied))
        self.assertTrue(granted.get("ok"), granted)
        self.iam.delete_role_policy(RoleName=name, PolicyName="now")
        (revoked,) = self.calls(function, self.get_object(self.denied))
        self.assertEqual(revoked["error"], "AccessDenied")

    def test_explicit_deny_wins_over_a_managed_allow(self):
        name = unique_name("denying")
        role_arn = self.make_role(name, {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:GetObject",
                           "Resource": f"arn:aws:s3:::{self.allowed}/*"}]})
        self.iam.attach_role_policy(RoleName=name,
                                    PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        function = self.caller_function(role_arn)
        denied, other, listing = self.calls(
            function, self.get_object(self.allowed), self.get_object(self.denied),
            ("s3", "list_objects_v2", {"Bucket": self.allowed}))
        self.assertEqual(denied["message"], denial(
            self.session_arn(function, name), "s3:GetObject",
            f"arn:aws:s3:::{self.allowed}/doc.txt", "with an explicit deny in an identity-based "
            "policy"))
        self.assertTrue(other.get("ok"), other)
        self.assertTrue(listing.get("ok"), listing)

    def test_a_role_lambda_cannot_assume_is_refused_at_create(self):
        untrusting = unique_name("untrusting")
        self.iam.create_role(RoleName=untrusting, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]}))
        for role in (f"arn:aws:iam::{ACCOUNT}:role/{unique_name('missing')}",
                     f"arn:aws:iam::{ACCOUNT}:role/{untrusting}"):
            with self.assertRaises(ClientError) as refused:
                self.lam.create_function(FunctionName=unique_name(), Runtime="python3.12",
                                         Role=role, Handler="echo.lambda_handler",
                                         Code={"ZipFile": python_zip("echo")})
            error = refused.exception.response["Error"]
            self.assertEqual(error["Code"], "InvalidParameterValueException")
            self.assertEqual(error["Message"],
                             "The role defined for the function cannot be assumed by Lambda.")
        # Nor may an existing function move to such a role.
        function = self.caller_function()
        with self.assertRaises(ClientError) as refused:
            self.lam.update_function_configuration(
                FunctionName=function, Role=f"arn:aws:iam::{ACCOUNT}:role/{untrusting}")
        self.assertEqual(refused.exception.response["Error"]["Code"],
                         "InvalidParameterValueException")

    def test_a_function_cannot_read_another_functions_configuration_or_code(self):
        victim = unique_name("victim")
        self.create_function(name=victim, Role=self.role_arn,
                             Environment={"Variables": {"SECRET": "hunter2"}})
        function = self.caller_function()
        configuration, code = self.calls(
            function, ("lambda", "get_function_configuration", {"FunctionName": victim}),
            ("lambda", "get_function", {"FunctionName": victim}))
        for refused in (configuration, code):
            self.assertEqual(refused["error"], "AccessDeniedException", refused)
            self.assertEqual(refused["status"], 403)
            self.assertNotIn("hunter2", json.dumps(refused))
        self.assertIn("lambda:GetFunction", code["message"])

    def test_user_keys_do_what_the_users_policies_allow(self):
        user = unique_name("user")
        self.iam.create_user(UserName=user)
        self.iam.put_user_policy(UserName=user, PolicyName="list", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        session = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                        aws_secret_access_key=key["SecretAccessKey"],
                                        region_name=REGION)
        config = Config(retries={"total_max_attempts": 1})
        s3 = session.client("s3", endpoint_url=self.serval.endpoint, config=config)
        lam = session.client("lambda", endpoint_url=self.serval.endpoint, config=config)
        sts = session.client("sts", endpoint_url=self.serval.endpoint, config=config)
        self.assertIn(self.allowed, [b["Name"] for b in s3.list_buckets()["Buckets"]])
        user_arn = f"arn:aws:iam::{ACCOUNT}:user/{user}"
        self.assertEqual(sts.get_caller_identity()["Arn"], user_arn)
        with self.assertRaises(ClientError) as refused:
            s3.get_object(Bucket=self.allowed, Key="doc.txt")
        self.assertEqual(refused.exception.response["Error"]["Code"], "AccessDenied")
        with self.assertRaises(ClientError) as refused:
            lam.list_functions()
        self.assertEqual(refused.exception.response["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(refused.exception.response["Error"]["Message"],
                         denial(user_arn, "lambda:ListFunctions", "*"))

    def test_assume_role_round_trip_honours_the_trust_policy(self):
        user = unique_name("assumer")
        user_arn = self.iam.create_user(UserName=user)["User"]["Arn"]
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        sts = boto3.session.Session(
            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
            region_name=REGION).client("sts", endpoint_url=self.serval.endpoint)
        trusting = unique_name("trusting")
        trusting_arn = self.make_role(trusting, reader_policy(self.allowed), trust={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                           "Action": "sts:AssumeRole"}]})
        assumed = sts.assume_role(RoleArn=trusting_arn, RoleSessionName="alice-session",
                                  DurationSeconds=900)
        credentials = assumed["Credentials"]
        self.assertTrue(credentials["AccessKeyId"].startswith("ASIA"))
        self.assertGreater(credentials["Expiration"].timestamp(), time.time() + 800)
        self.assertLess(credentials["Expiration"].timestamp(), time.time() + 1000)
        session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{trusting}/alice-session"
        self.assertEqual(assumed["AssumedRoleUser"]["Arn"], session_arn)
        role_session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"], region_name=REGION)
        self.assertEqual(role_session.client("sts", endpoint_url=self.serval.endpoint)
                         .get_caller_identity()["Arn"], session_arn)
        s3 = role_session.client("s3", endpoint_url=self.serval.endpoint)
        self.assertEqual(s3.get_object(Bucket=self.allowed, Key="doc.txt")["Body"].read(),
                         f"content of {self.allowed}".encode())
        with self.assertRaises(ClientError) as refused:
            s3.get_object(Bucket=self.denied, Key="doc.txt")
        self.assertEqual(refused.exception.response["Error"]["Message"], denial(
            session_arn, "s3:GetObject", f"arn:aws:s3:::{self.denied}/doc.txt"))

        # The same key without its session token is not accepted.
        tokenless = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"], region_name=REGION)
        with self.assertRaises(ClientError):
            tokenless.client("sts", endpoint_url=self.serval.endpoint).get_caller_identity()

        # A role whose trust policy names only Lambda, or no role at all: AccessDenied.
        for role_arn in (self.role_arn, f"arn:aws:iam::{ACCOUNT}:role/{unique_name('none')}"):
            with self.assertRaises(ClientError) as refused:
                sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")
            self.assertEqual(refused.exception.response["Error"]["Code"], "AccessDenied")
            self.assertEqual(refused.exception.response["Error"]["Message"],
                             f"User: {user_arn} is not authorized to perform: sts:AssumeRole on "
                             f"resource: {role_arn}")

    def test_source_ip_conditions_see_the_callers_address(self):
        """aws:SourceIp is the address of the connection: a user allowed only from 127.0.0.1
        reads from there, a Deny on 127.0.0.2 refuses the same key connecting from 127.0.0.2
        (curl --interface), X-Forwarded-For changes nothing, and a bucket policy that makes
        objects public to one address serves only that address."""
        user = unique_name("ipuser")
        user_arn = self.iam.create_user(UserName=user)["User"]["Arn"]
        self.iam.put_user_policy(UserName=user, PolicyName="by-address", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.2/32"}}}]}))
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        url = f"{self.serval.endpoint}/{self.allowed}/doc.txt"

        def signed_get(interface, extra_headers=()):
            cmd = ["curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "--interface",
                   interface, "--aws-sigv4", f"aws:amz:{REGION}:s3",
                   "--user", f"{key['AccessKeyId']}:{key['SecretAccessKey']}",
                   "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
            for header in extra_headers:
                cmd += ["-H", header]
            out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
            body, _, status = out.rpartition("\n")
            return int(status), body

        status, body = signed_get("127.0.0.1")
        self.assertEqual((status, body), (200, f"content of {self.allowed}"))
        status, body = signed_get("127.0.0.2")
        self.assertEqual(status, 403, body)
        self.assertIn(f"User: {user_arn} is not authorized to perform: s3:GetObject", body)
        self.assertIn("with an explicit deny", body)
        status, body = signed_get("127.0.0.2", ["X-Forwarded-For: 127.0.0.1"])
        self.assertEqual(status, 403, body)

        public = unique_name("ipbucket").lower().replace("_", "-")
        self.s3.create_bucket(Bucket=public)
        self.s3.put_object(Bucket=public, Key="page.html", Body=b"<p>hi</p>")
        self.s3.put_bucket_policy(Bucket=public, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "Resource": f"arn:aws:s3:::{public}/*",
                           "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.3/32"}}}]}))
        for interface, expected in (("127.0.0.3", "200"), ("127.0.0.1", "403")):
            got = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", interface,
                 f"{self.serval.endpoint}/{public}/page.html"],
                capture_output=True, text=True, check=True).stdout
            self.assertEqual(got, expected, interface)

    def test_assume_role_with_the_cli(self):
        """`aws sts assume-role` (the CLI on PATH and Debian's v2) with a user's key, then
        `aws sts get-caller-identity` and `aws s3api get-object` with the session's."""
        user = unique_name("cliuser")
        user_arn = self.iam.create_user(UserName=user)["User"]["Arn"]
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        role = unique_name("clirole")
        role_arn = self.make_role(role, reader_policy(self.allowed), trust={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                           "Action": "sts:AssumeRole"}]})
        for binary in ("aws", "/usr/bin/aws"):
            env = self.serval.cli_env()
            env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                       AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
            cmd = [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION,
                   "--output", "json"]
            assumed = json.loads(subprocess.run(
                cmd + ["sts", "assume-role", "--role-arn", role_arn, "--role-session-name",
                       "cli"], env=env, capture_output=True, text=True, check=True).stdout)
            credentials = assumed["Credentials"]
            env.update(AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
                       AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
                       AWS_SESSION_TOKEN=credentials["SessionToken"])
            identity = json.loads(subprocess.run(
                cmd + ["sts", "get-caller-identity"], env=env, capture_output=True, text=True,
                check=True).stdout)
            self.assertEqual(identity["Arn"],
                             f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/cli", binary)
            with tempfile.TemporaryDirectory() as tmp:
                got = subprocess.run(cmd + ["s3api", "get-object", "--bucket", self.allowed,
                                            "--key", "doc.txt", f"{tmp}/out"],
                                     env=env, capture_output=True, text=True)
                self.assertEqual(got.returncode, 0, got.stderr)
                refused = subprocess.run(cmd + ["s3api", "get-object", "--bucket", self.denied,
                                                "--key", "doc.txt", f"{tmp}/out"],
                                         env=env, capture_output=True, text=True)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("AccessDenied", refused.stderr)
            self.assertIn(f"assumed-role/{role}/cli is not authorized to perform: s3:GetObject",
                          refused.stderr)

    def test_assume_role_validates_its_parameters(self):
        sts = self.serval.client("sts", validate=False)
        cases = [
            (dict(RoleArn=self.role_arn, RoleSessionName="x"), "roleSessionName"),
            (dict(RoleArn=self.role_arn, RoleSessionName="bad name!"), "roleSessionName"),
            (dict(RoleArn=self.role_arn, RoleSessionName="ok", DurationSeconds=60),
             "durationSeconds"),
        ]
        for args, member in cases:
            with self.assertRaises(ClientError) as refused:
                sts.assume_role(**args)
            self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationError")
            self.assertIn(f"at '{member}'", refused.exception.response["Error"]["Message"])

    def test_operator_keys_are_the_account_root(self):
        self.assertEqual(self.serval.client("sts").get_caller_identity()["Arn"],
                         f"arn:aws:iam::{ACCOUNT}:root")
        self.s3.get_object(Bucket=self.denied, Key="doc.txt")
        self.lam.list_functions()


class SessionPolicies(IamCase):
    """AssumeRole's Policy and PolicyArns: the session may do only what its role's policies and
    its session policies both allow, also after a restart."""
    SERVAL_ARGS = ("--iam", "enforce")

    def assume(self, **session_policies):
        """A session of a new role that may read the allowed bucket, narrowed by
        `session_policies`: its ARN and a boto3 session."""
        return role_session(self.serval, unique_name("wide"), reader_policy(self.allowed),
                            session_name="narrowed", **session_policies)

    def s3_of(self, session):
        return session.client("s3", endpoint_url=self.serval.endpoint,
                              config=Config(retries={"total_max_attempts": 1}))

    def assert_denied(self, call, message):
        with self.assertRaises(ClientError) as refused:
            call()
        self.assertEqual(refused.exception.response["Error"]["Code"], "AccessDenied")
        self.assertEqual(refused.exception.response["Error"]["Message"], message)

    def test_an_inline_session_policy_narrows_the_role_and_survives_a_restart(self):
        session_arn, session = self.assume(Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{self.allowed}/secret*"}]}))
        doc = f"arn:aws:s3:::{self.allowed}/doc.txt"
        for restarted in (False, True):
            if restarted:
                self.serval.kill()
                self.serval.start()
            s3 = self.s3_of(session)
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.allowed)["Contents"]]
            self.assertEqual(keys, ["doc.txt"], restarted)
            # The role allows it, the session policy does not.
            self.assert_denied(lambda: s3.get_object(Bucket=self.allowed, Key="doc.txt"),
                               denial(session_arn, "s3:GetObject", doc,
                                      why="because no session policy allows the {} action"))
            self.assert_denied(
                lambda: s3.get_object(Bucket=self.allowed, Key="secret.txt"),
                denial(session_arn, "s3:GetObject", f"arn:aws:s3:::{self.allowed}/secret.txt",
                       why="with an explicit deny in a session policy"))
            # The session policy allows it, the role does not.
            self.assert_denied(
                lambda: s3.list_objects_v2(Bucket=self.denied),
                denial(session_arn, "s3:ListBucket", f"arn:aws:s3:::{self.denied}"))
        type(self).iam = self.serval.client("iam")
        type(self).s3 = self.serval.client("s3")

    def test_managed_session_policies_narrow_the_role(self):
        session_arn, session = self.assume(PolicyArns=[
            {"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
        s3 = self.s3_of(session)
        self.assertEqual(s3.get_object(Bucket=self.allowed, Key="doc.txt")["Body"].read(),
                         f"content of {self.allowed}".encode())
        self.assert_denied(lambda: s3.get_object(Bucket=self.denied, Key="doc.txt"), denial(
            session_arn, "s3:GetObject", f"arn:aws:s3:::{self.denied}/doc.txt"))
        # A policy ARN that names nothing allows nothing.
        session_arn, session = self.assume(PolicyArns=[
            {"arn": f"arn:aws:iam::{ACCOUNT}:policy/{unique_name('absent')}"}])
        self.assert_denied(
            lambda: self.s3_of(session).get_object(Bucket=self.allowed, Key="doc.txt"),
            denial(session_arn, "s3:GetObject", f"arn:aws:s3:::{self.allowed}/doc.txt",
                   why="because no session policy allows the {} action"))

    def test_malformed_session_policies_are_refused(self):
        sts = self.serval.client("sts", validate=False)
        cases = [
            (dict(Policy="{not json"), "MalformedPolicyDocument"),
            (dict(Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject"}]})), "MalformedPolicyDocument"),
            (dict(Policy="x" * 2049), "ValidationError"),
            (dict(PolicyArns=[{"arn": "arn:short"}]), "ValidationError"),
        ]
        for args, code in cases:
            with self.assertRaises(ClientError) as refused:
                sts.assume_role(RoleArn=self.role_arn, RoleSessionName="bad", **args)
            self.assertEqual(refused.exception.response["Error"]["Code"], code, args)


class WarnMode(IamCase):
    """The default: what AWS would deny succeeds, and is reported once."""

    def test_denied_calls_succeed_and_are_reported_once(self):
        self.assertEqual(self.stats()["iam"]["mode"], "warn")
        function = self.caller_function()
        for _ in range(2):
            (read,) = self.calls(function, self.get_object(self.denied))
            self.assertTrue(read.get("ok"), read)
            self.assertEqual(read["result"]["Body"], f"content of {self.denied}")
        resource = f"arn:aws:s3:::{self.denied}/doc.txt"
        message = denial(self.session_arn(function), "s3:GetObject", resource)
        (listed,) = [d for d in self.stats()["iam"]["denied"]
                     if d["principal"] == self.session_arn(function)
                     and d["action"] == "s3:GetObject"]
        self.assertEqual(listed["resource"], resource)
        self.assertEqual(listed["message"], message)
        self.assertEqual(listed["count"], 2)
        self.assertEqual(json.loads(listed["missing"]),
                         {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource})
        self.assertEqual(self.serval.log_text().count(message), 1)
        # The dashboard's Access tab reads the same list (with the operator's credentials).
        request = urllib.request.Request(
            self.serval.endpoint + "/_serval/api/access",
            headers={"Authorization": "Basic " + base64.b64encode(b"test:test").decode()})
        with urllib.request.urlopen(request, timeout=10) as r:
            access = json.loads(r.read())
        self.assertEqual(access["mode"], "warn")
        self.assertIn(listed, access["denied"])

        # What the role allows is not reported.
        (allowed,) = self.calls(function, self.get_object(self.allowed))
        self.assertTrue(allowed.get("ok"), allowed)
        self.assertFalse([d for d in self.stats()["iam"]["denied"]
                          if d["resource"].startswith(f"arn:aws:s3:::{self.allowed}/")])

    def test_any_role_arn_still_creates_a_function(self):
        name = unique_name()
        self.create_function(name=name, Role=f"arn:aws:iam::{ACCOUNT}:role/{unique_name('no')}")
        self.assertEqual(self.invoke_json(name, {"a": 1}), {"a": 1})

    def test_a_function_whose_role_iam_does_not_know_still_has_an_identity(self):
        role = unique_name("unknown")
        function = self.caller_function(role_arn=f"arn:aws:iam::{ACCOUNT}:role/{role}")
        (identity,) = self.calls(function, ("sts", "get_caller_identity", {}))
        self.assertTrue(identity.get("ok"), identity)
        self.assertEqual(identity["result"]["Arn"], self.session_arn(function, role))
        self.assertRegex(identity["result"]["UserId"], rf"^AROA[0-9A-F]{{17}}:{function}$")


class OffMode(IamCase):
    SERVAL_ARGS = ("--iam", "off")

    def test_nothing_is_evaluated(self):
        function = self.caller_function()
        (read,) = self.calls(function, self.get_object(self.denied))
        self.assertTrue(read.get("ok"), read)
        self.assertEqual(self.stats()["iam"], {"mode": "off", "denied": [],
                                               "unlisted_denials": 0})


if __name__ == "__main__":
    unittest.main()
