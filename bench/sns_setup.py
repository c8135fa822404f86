#!/usr/bin/env python3
"""Creates what bench/sns.sh publishes to, through boto3, and prints a JSON object naming it.

  sns_setup.py publish ENDPOINT --echo-zip Z [--runtime R --handler H] [--stamp-zip Z]
  sns_setup.py replication ENDPOINT --copy-zip Z [--destinations 10]

publish: functions echo-0..echo-9 (the given zip), topics pub0 (no subscriber), pub1 (echo-0) and
pub10 (echo-0..echo-9), each subscription allowed by `lambda add-permission` for
sns.amazonaws.com with the topic as SourceArn; with --stamp-zip also stamp-0..stamp-9 subscribed
to topic stamp10. Prints {"pub0": arn, "pub1": arn, "pub10": arn, "stamp10": arn}.

replication: the content-replication post's setup, in its order (topic and bucket first, then one
function and subscription per destination): bucket repl-src; topic repl-src-fanout with the
post's policy (Principal AWS "*", SNS:Publish, ArnLike AWS:SourceArn arn:aws:s3:*:*:repl-src);
the bucket's TopicConfiguration for s3:ObjectCreated:* (its s3:TestEvent reaches a topic with no
subscriber yet); buckets repl-dst-0..N-1 and, named exactly like them as the post asks, functions
running the copy code (python3.12, lambda_function.lambda_handler), each with add-permission for
SNS and a lambda subscription. Prints {"topic": arn, "source": bucket, "destinations": [...]}.

Credentials test/test, region us-east-1. Functions are waited for until Active.
"""
import argparse
import json
import sys
import time

import boto3

REGION = "us-east-1"


def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
              aws_secret_access_key="test")
    return boto3.client("lambda", **kw), boto3.client("sns", **kw), boto3.client("s3", **kw)


def role_arn(endpoint):
    """An execution role in the server's account (moto refuses another account's role)."""
    kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
              aws_secret_access_key="test")
    try:
        account = boto3.client("sts", **kw).get_caller_identity()["Account"]
    except Exception:  # Serval has no STS GetCallerIdentity: its account is 000000000000
        account = "000000000000"
    try:
        boto3.client("iam", **kw).create_role(RoleName="lambda-role",
                                             AssumeRolePolicyDocument="{}")
    except Exception:  # exists already, or the server does not need it
        pass
    return f"arn:aws:iam::{account}:role/lambda-role"


def create_functions(lam, names, zip_bytes, runtime, handler, **extra):
    role = role_arn(lam.meta.endpoint_url)
    arns = {}
    for name in names:
        arns[name] = lam.create_function(FunctionName=name, Runtime=runtime, Role=role,
                                         Handler=handler, Code={"ZipFile": zip_bytes},
                                         MemorySize=256, Timeout=30, **extra)["FunctionArn"]
    for name in names:  # moto answers Active at once
        deadline = time.monotonic() + 60
        while lam.get_function_configuration(FunctionName=name).get("State") not in (
                "Active", None):
            if time.monotonic() > deadline:
                sys.exit(f"function {name} is not Active after 60 s")
            time.sleep(0.1)
    return arns


def subscribe(lam, sns, topic, function_arns, statement):
    for name, arn in function_arns.items():
        lam.add_permission(FunctionName=name, StatementId=statement,
                           Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                           SourceArn=topic)
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)


def publish_setup(args):
    lam, sns, _ = clients(args.endpoint)
    echo = create_functions(lam, [f"echo-{i}" for i in range(10)], open(args.echo_zip, "rb").read(),
                            args.runtime, args.handler)
    out = {}
    for count in (0, 1, 10):
        out[f"pub{count}"] = sns.create_topic(Name=f"pub{count}")["TopicArn"]
        subscribe(lam, sns, out[f"pub{count}"], dict(list(echo.items())[:count]), f"pub{count}")
    if args.stamp_zip:
        stamp = create_functions(lam, [f"stamp-{i}" for i in range(10)],
                                 open(args.stamp_zip, "rb").read(), args.runtime, args.handler)
        out["stamp10"] = sns.create_topic(Name="stamp10")["TopicArn"]
        subscribe(lam, sns, out["stamp10"], stamp, "stamp10")
    return out


def replication_setup(args):
    lam, sns, s3 = clients(args.endpoint)
    source = "repl-src"
    s3.create_bucket(Bucket=source)
    topic = sns.create_topic(Name=f"{source}-fanout")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2008-10-17",
        "Id": "replication-policy",
        "Statement": [{"Sid": "s3-publish", "Effect": "Allow", "Principal": {"AWS": "*"},
                       "Action": ["SNS:Publish"], "Resource": topic,
                       "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:s3:*:*:{source}"}}}]}))
    s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration={
        "TopicConfigurations": [{"Id": "replication", "TopicArn": topic,
                                 "Events": ["s3:ObjectCreated:*"]}]})
    destinations = [f"repl-dst-{i}" for i in range(args.destinations)]
    for bucket in destinations:
        s3.create_bucket(Bucket=bucket)
    functions = create_functions(lam, destinations, open(args.copy_zip, "rb").read(),
                                 "python3.12", "lambda_function.lambda_handler",
                                 Description=f"replicates {source} to its own name's bucket")
    subscribe(lam, sns, topic, functions, "replication")
    return {"topic": topic, "source": source, "destinations": destinations}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("publish")
    p.add_argument("endpoint")
    p.add_argument("--echo-zip", required=True)
    p.add_argument("--runtime", default="provided.al2023")
    p.add_argument("--handler", default="bootstrap")
    p.add_argument("--stamp-zip")
    r = sub.add_parser("replication")
    r.add_argument("endpoint")
    r.add_argument("--copy-zip", required=True)
    r.add_argument("--destinations", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(publish_setup(args) if args.what == "publish" else replication_setup(args)))


if __name__ == "__main__":
    main()
