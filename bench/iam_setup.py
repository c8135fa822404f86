"""bench/iam.sh's setup of one Serval: an IAM user with a 10-statement policy (the last two allow
what the benchmark does), its access key, the echo function and a bucket of 1,000 objects of 1
KiB. Prints "ACCESS_KEY SECRET"."""

import json
import sys

import boto3
from botocore.config import Config

endpoint, zip_path = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                region_name="us-east-1")
config = Config(retries={"total_max_attempts": 5})
iam, lam, s3 = (session.client(s, endpoint_url=endpoint, config=config)
                for s in ("iam", "lambda", "s3"))

# Eight statements that do not match (other services, other resources, a condition that fails),
# then the two that allow the measured calls: the evaluator goes through all ten.
statements = [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
     "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/orders"},
    {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:alerts-*"},
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/other:*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}},
    {"Effect": "Allow", "Action": "lambda:GetFunction*",
     "Resource": "arn:aws:lambda:*:*:function:admin-*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
     "Condition": {"StringLike": {"s3:prefix": ["2026/*"]}}},
    {"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::iam-bench-bucket/*"},
    {"Effect": "Allow", "Action": "lambda:InvokeFunction",
     "Resource": "arn:aws:lambda:us-east-1:000000000000:function:iam-bench-*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::iam-bench-bucket/*"},
]
iam.create_user(UserName="iam-bench")
iam.put_user_policy(UserName="iam-bench", PolicyName="ten-statements",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
key = iam.create_access_key(UserName="iam-bench")["AccessKey"]

role = iam.create_role(RoleName="iam-bench", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}))["Role"]
lam.create_function(FunctionName="iam-bench-echo", Runtime="provided.al2023", Handler="x",
                    Role=role["Arn"], MemorySize=128,
                    Code={"ZipFile": open(zip_path, "rb").read()})
lam.get_waiter("function_active_v2").wait(FunctionName="iam-bench-echo")
s3.create_bucket(Bucket="iam-bench-bucket")
body = b"x" * 1024
for i in range(1000):
    s3.put_object(Bucket="iam-bench-bucket", Key=f"k{i}", Body=body)
print(key["AccessKeyId"], key["SecretAccessKey"])
