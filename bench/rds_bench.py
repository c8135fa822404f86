"""DescribeDBInstances latency against one endpoint (Serval or moto_server), for bench/rds.sh.

  rds_bench.py setup ENDPOINT N          creates N DB instances, every tenth tagged and mysql
  rds_bench.py describe ENDPOINT REQS    REQS sequential requests of each kind; one JSON line
                                         per kind: {"kind", "p50_ms", "p99_ms", "instances"}

Kinds: `one` (DBInstanceIdentifier), `page` (the first page of 100), `all` (every page, 100 per
page: one sample is the whole walk), `engine` (Filters engine=mysql, every page).
"""

import json
import sys
import time

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.session.Session().client(
        "rds", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=120))


def setup(endpoint, count):
    rds = client(endpoint)
    for i in range(count):
        tagged = i % 10 == 0
        rds.create_db_instance(
            DBInstanceIdentifier=f"bench-{i:05d}", DBInstanceClass="db.t3.micro",
            Engine="mysql" if tagged else "postgres", MasterUsername="admin",
            MasterUserPassword="bench-password", AllocatedStorage=20,
            Tags=[{"Key": "Schedule", "Value": "office"}] if tagged else [])


def walk(rds, **filters):
    listed = 0
    for page in rds.get_paginator("describe_db_instances").paginate(
            PaginationConfig={"PageSize": 100}, **filters):
        listed += len(page["DBInstances"])
    return listed


def describe(endpoint, requests):
    rds = client(endpoint)
    kinds = {
        "one": lambda: len(rds.describe_db_instances(
            DBInstanceIdentifier="bench-00007")["DBInstances"]),
        "page": lambda: len(rds.describe_db_instances(MaxRecords=100)["DBInstances"]),
        "all": lambda: walk(rds),
        "engine": lambda: walk(rds, Filters=[{"Name": "engine", "Values": ["mysql"]}]),
    }
    for kind, call in kinds.items():
        call()  # warm the connection
        samples = []
        listed = 0
        for _ in range(requests):
            start = time.perf_counter()
            listed = call()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        print(json.dumps({"kind": kind, "instances": listed, "requests": requests,
                          "p50_ms": round(samples[len(samples) // 2], 3),
                          "p99_ms": round(samples[min(len(samples) - 1,
                                                      int(len(samples) * 0.99))], 3)}))


if __name__ == "__main__":
    command, endpoint, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"setup": setup, "describe": describe}[command](endpoint, number)
