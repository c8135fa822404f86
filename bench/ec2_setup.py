#!/usr/bin/env python3
"""Launches the instances bench/ec2.sh describes, through boto3, on Serval or moto_server.

  ec2_setup.py ENDPOINT [--instances 10000] [--tagged-every 10] [--batch 100]

RunInstances of `--batch` instances at a time (image ami-0abcdef1234567890, t3.micro) until
`--instances` exist; every `--tagged-every`th batch is launched with the tag
EntScheduler=mon-fri;0800;mon-fri;1800; (TagSpecifications), the others with Name=bench-N only,
so one instance in `--tagged-every` carries the scheduler's tag. Prints a JSON object:
{"instances": N, "tagged": M, "seconds": launch time}.

Credentials test/test, region us-east-1.
"""
import argparse
import json
import time

import boto3

REGION = "us-east-1"
IMAGE = "ami-0abcdef1234567890"
SCHEDULE = "mon-fri;0800;mon-fri;1800;"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--tagged-every", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    ec2 = boto3.client("ec2", endpoint_url=args.endpoint, region_name=REGION,
                       aws_access_key_id="test", aws_secret_access_key="test")
    started = time.monotonic()
    launched = tagged = 0
    batch_number = 0
    while launched < args.instances:
        count = min(args.batch, args.instances - launched)
        scheduled = batch_number % args.tagged_every == 0
        tags = ([{"Key": "EntScheduler", "Value": SCHEDULE}] if scheduled
                else [{"Key": "Name", "Value": f"bench-{batch_number}"}])
        made = ec2.run_instances(ImageId=IMAGE, InstanceType="t3.micro", MinCount=count,
                                 MaxCount=count, TagSpecifications=[
                                     {"ResourceType": "instance", "Tags": tags}])["Instances"]
        assert len(made) == count, made
        launched += count
        tagged += count if scheduled else 0
        batch_number += 1
    print(json.dumps({"instances": launched, "tagged": tagged,
                      "seconds": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main()
