"""Shared pieces of the IAM suites (issue 15 part 1): the client, AWS's error shape and
messages, and documents."""

import json
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import ACCOUNT, REGION, ServalTestCase

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
READ_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                   "Resource": "arn:aws:s3:::photos/*"}],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def policy_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"


def unique(prefix):
    return f"{prefix}-{time.time_ns() % 10**12}"


def role_session(serval, role, policy, session_name="tick", **assume_role_args):
    """Credentials acting as a new role `role` whose inline policy is `policy`: a new IAM user,
    trusted by the role, assumes it (with `assume_role_args`: session policies, a duration).
    Returns the session's ARN and a boto3 session holding its credentials."""
    iam = serval.client("iam")
    user = unique("assumer")
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                       "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="access", PolicyDocument=json.dumps(policy))
    sts = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION).client("sts", endpoint_url=serval.endpoint)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name,
                                  **assume_role_args)["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"], region_name=REGION)
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session_name}", session


class IamCase(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.serval.client("iam")
        cls.iam_novalidate = cls.serval.client("iam", validate=False)

    def client_with(self, service, key, secret):
        """A boto3 client of `service` signing with the given key."""
        return boto3.session.Session().client(
            service, endpoint_url=self.serval.endpoint, region_name=REGION,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=Config(retries={"total_max_attempts": 1}))

    def iam_error(self, method, code, status, message=None, client=None, **kw):
        """Calls iam.<method>(**kw), which must fail with `code` and HTTP `status` (and
        `message` exactly, when given), in the query protocol's error shape."""
        with self.assertRaises(ClientError) as ctx:
            getattr(client or self.iam, method)(**kw)
        response = ctx.exception.response
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        self.assertEqual(response["Error"].get("Type"), "Sender", response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)
        return response["Error"]["Message"]

    def create_role(self, name=None, **kw):
        name = name or unique("role")
        kw.setdefault("AssumeRolePolicyDocument", json.dumps(TRUST))
        return self.iam.create_role(RoleName=name, **kw)["Role"]

    def create_policy(self, name=None, document=READ_BUCKET, **kw):
        name = name or unique("policy")
        return self.iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document),
                                      **kw)["Policy"]
