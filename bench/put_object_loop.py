"""PUTs one large file to an S3 bucket as a single object, back to back, until killed.

Usage: put_object_loop.py ENDPOINT BUCKET FILE. One PutObject per round (no multipart), so the
whole file is one request body that Serval streams to disk. Prints "put N SECONDS" per object.
"""
import sys
import time

import boto3
from botocore.config import Config


def main() -> None:
    endpoint, bucket, path = sys.argv[1], sys.argv[2], sys.argv[3]
    client = boto3.client("s3", endpoint_url=endpoint,
                          config=Config(read_timeout=600, retries={"max_attempts": 1}))
    for n in range(1_000_000):
        started = time.monotonic()
        with open(path, "rb") as body:
            client.put_object(Bucket=bucket, Key=f"big-{n % 2}", Body=body)
        print(f"put {n} {time.monotonic() - started:.2f}", flush=True)


if __name__ == "__main__":
    main()
