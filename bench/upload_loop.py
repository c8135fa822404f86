"""Replaces a function's code with MB-sized zips of random bytes, back to back, until killed.

Usage: upload_loop.py ENDPOINT FUNCTION MEGABYTES. Two different zips alternate, so every upload
is decoded, unpacked and fsynced for real. Prints "uploaded N SECONDS" per upload.
"""
import io
import os
import sys
import time
import zipfile

import boto3
from botocore.config import Config


def random_zip(megabytes: int, seed: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("echo.py", f"# {seed}\ndef lambda_handler(event, context):\n    return event\n")
        archive.writestr("blob.bin", os.urandom(megabytes * 1024 * 1024 - 4096))
    return out.getvalue()


def main() -> None:
    endpoint, function, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = boto3.client("lambda", endpoint_url=endpoint,
                          config=Config(read_timeout=300, retries={"max_attempts": 1}))
    zips = [random_zip(megabytes, seed) for seed in (1, 2)]
    for n in range(1_000_000):
        started = time.monotonic()
        client.update_function_code(FunctionName=function, ZipFile=zips[n % 2])
        print(f"uploaded {n} {time.monotonic() - started:.2f}", flush=True)


if __name__ == "__main__":
    main()
