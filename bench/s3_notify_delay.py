#!/usr/bin/env python3
"""Delay from a PutObject's 200 to the notified function starting (bench/s3.sh, issue 10 part 12).

  s3_notify_delay.py setup ENDPOINT STAMP_ZIP        bucket `notify` whose s3:ObjectCreated:*
                                                     events invoke `stamp` (bench/functions/
                                                     stamp.cc with STAMP_FIELD=key)
  s3_notify_delay.py put ENDPOINT N PAUSE_MS PREFIX TRACE
                                                     N PUTs of 1 KiB at concurrency 1, PAUSE_MS
                                                     after each 200, keys PREFIX0..; TRACE gets
                                                     one line per PUT as invoke_load --trace
                                                     writes them, with the key as the id

bench/stamp_delays.py then joins TRACE with the function's SERVAL_STAMP lines. The client is
boto3 (its own time per request does not enter the delay: the clock is read once the 200 is in).
"""
import sys
import time

import boto3
from botocore.config import Config

BUCKET = "notify"
FUNCTION = "stamp"


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}))


def setup(endpoint, stamp_zip):
    lam, s3 = client("lambda", endpoint), client("s3", endpoint)
    with open(stamp_zip, "rb") as f:
        arn = lam.create_function(
            FunctionName=FUNCTION, Runtime="provided.al2023", Handler="bootstrap",
            Role="arn:aws:iam::000000000000:role/bench", Code={"ZipFile": f.read()},
            Environment={"Variables": {"STAMP_FIELD": "key"}})["FunctionArn"]
    lam.add_permission(FunctionName=FUNCTION, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{BUCKET}")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn,
                                          "Events": ["s3:ObjectCreated:*"]}]})


def put(endpoint, n, pause_ms, prefix, trace_file):
    s3 = client("s3", endpoint)
    body = b"x" * 1024
    with open(trace_file, "w") as trace:
        for i in range(n):
            key = f"{prefix}{i}"
            start = time.clock_gettime_ns(time.CLOCK_REALTIME)
            status = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ResponseMetadata"][
                "HTTPStatusCode"]
            end = time.clock_gettime_ns(time.CLOCK_REALTIME)
            trace.write(f"{start} {end} {status} {(end - start) // 1000} {key}\n")
            if pause_ms:
                time.sleep(pause_ms / 1000)


def main():
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "put":
        put(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
