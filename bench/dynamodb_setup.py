#!/usr/bin/env python3
"""Tables for bench/dynamodb.sh, through boto3 (credentials test/test, region us-east-1).

  dynamodb_setup.py create ENDPOINT TABLE...   creates each table (pk S hash key, sk S range key,
                                              PAY_PER_REQUEST) and waits until it is ACTIVE
  dynamodb_setup.py count ENDPOINT TABLE       prints DescribeTable's ItemCount and
                                              TableSizeBytes as JSON (what the server reports;
                                              AWS itself updates them every ~6 hours)
"""
import json
import sys

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}, read_timeout=600))


def main():
    command, endpoint, tables = sys.argv[1], sys.argv[2], sys.argv[3:]
    ddb = client(endpoint)
    if command == "create":
        for table in tables:
            ddb.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "sk", "AttributeType": "S"}])
        for table in tables:
            ddb.get_waiter("table_exists").wait(
                TableName=table, WaiterConfig={"Delay": 0.1, "MaxAttempts": 600})
    elif command == "count":
        (table,) = tables
        t = ddb.describe_table(TableName=table)["Table"]
        print(json.dumps({"item_count": t.get("ItemCount"),
                          "table_size_bytes": t.get("TableSizeBytes")}))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
