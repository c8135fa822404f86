"""Shared base for the DynamoDB suites (test_dynamodb_*.py): boto3 client and resource for the
serval under test, table creation with cleanup, and DynamoDB error assertions.

Expectations follow AWS (docs/reference: /work/shared/reference/aws-wire-contracts-2.md section 1,
cited below as "ref 1.x"), not any emulator. Every table name is unique, so the suites also run
against a shared, already-running endpoint (SERVAL_ENDPOINT, see serval_harness.py)."""

from __future__ import annotations

import contextlib
import os

import boto3
from botocore.config import Config

from serval_harness import ACCESS_KEY, REGION, SECRET_KEY, ServalTestCase, unique_name

TARGET_PREFIX = "DynamoDB_20120810."

# Validation aid only: with DDB_SOFT_DEVIATIONS=1, a failure inside `with self.deviates(...)`
# (an AWS behaviour a peer such as moto_server is known not to have) is printed, not raised, so
# that the rest of the test still runs against the peer (ServalTestCase.deviates). Unset (always,
# for Serval) it is a no-op.
SOFT_DEVIATIONS = bool(os.environ.get("DDB_SOFT_DEVIATIONS"))
JSON_10 = "application/x-amz-json-1.0"


def key_schema(hash_key, range_key=None):
    ks = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        ks.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return ks


def canon(value):
    """A wire value with its sets sorted, for comparison (set order is not kept, ref 1.3)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("SS", "NS", "BS"):
                out[k] = sorted(v)
            else:
                out[k] = canon(v)
        return out
    if isinstance(value, list):
        return [canon(v) for v in value]
    return value


class DynamoCase(ServalTestCase):
    """One serval per class; `ddb` is a boto3 client (one attempt, no retries), `ddb_resource` the
    boto3 resource layer on the same endpoint."""

    SOFT_DEVIATIONS = SOFT_DEVIATIONS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.serval.client("dynamodb")
        cls.ddb_novalidate = cls.serval.client("dynamodb", validate=False)
        cls.ddb_resource = boto3.session.Session().resource(
            "dynamodb", endpoint_url=cls.serval.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                          read_timeout=120, connect_timeout=10))

    # -- tables --------------------------------------------------------------------------------

    @staticmethod
    def table_params(hash_key=("pk", "S"), range_key=None, name=None, billing="PAY_PER_REQUEST",
                     extra_attributes=(), **kw):
        name = name or unique_name("tbl")
        attrs = {hash_key[0]: hash_key[1]}
        if range_key:
            attrs[range_key[0]] = range_key[1]
        for a, t in extra_attributes:
            attrs[a] = t
        params = dict(TableName=name,
                      AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                                            for a, t in attrs.items()],
                      KeySchema=key_schema(hash_key[0], range_key[0] if range_key else None),
                      BillingMode=billing)
        if billing == "PROVISIONED" and "ProvisionedThroughput" not in kw:
            params["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        params.update(kw)
        return params

    def create_table(self, hash_key=("pk", "S"), range_key=None, cleanup=True, **kw):
        """CreateTable with the given (name, type) keys; returns the table name. Deleted again at
        the end of the test."""
        params = self.table_params(hash_key, range_key, **kw)
        self.ddb.create_table(**params)
        if cleanup:
            self.addCleanup(self.delete_table_quietly, params["TableName"])
        return params["TableName"]

    @classmethod
    def create_class_table(cls, hash_key=("pk", "S"), range_key=None, **kw):
        """A table for the whole class (setUpClass), deleted after it."""
        params = cls.table_params(hash_key, range_key, **kw)
        cls.ddb.create_table(**params)
        cls.addClassCleanup(cls.ddb.delete_table, TableName=params["TableName"])
        return params["TableName"]

    def delete_table_quietly(self, name):
        with contextlib.suppress(Exception):
            self.ddb_novalidate.delete_table(TableName=name)

    def scan_all(self, table, **kw):
        items, start = [], None
        while True:
            if start:
                kw["ExclusiveStartKey"] = start
            page = self.ddb.scan(TableName=table, **kw)
            items += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return items

    def get(self, table, key, **kw):
        """The item (wire form) or None."""
        return self.ddb.get_item(TableName=table, Key=key, ConsistentRead=True, **kw).get("Item")

    # -- errors --------------------------------------------------------------------------------

    def assert_ddb_error(self, response, code, message=None, message_contains=None,
                         message_startswith=None):
        """A DynamoDB error: HTTP 400 (ref 1.1 - every listed error except InternalServerError),
        botocore's Code `code`, and, when given, the exact message (or a part of it)."""
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400, response)
        msg = response["Error"].get("Message", "")
        if message is not None:
            self.assertEqual(msg, message, response)
        if message_contains is not None:
            self.assertIn(message_contains, msg, response)
        if message_startswith is not None:
            self.assertTrue(msg.startswith(message_startswith), response)
        return msg

    def ddb_error(self, op, code, message=None, message_contains=None, message_startswith=None,
                  client=None, **kw):
        """Calls the client operation `op` (a name) with kw; it must fail with `code`."""
        response = self.error_of(getattr(client or self.ddb, op), **kw)
        self.assert_ddb_error(response, code, message, message_contains, message_startswith)
        return response

    # -- raw HTTP ------------------------------------------------------------------------------

    def raw_ddb(self, operation, body, sign=True, content_type=JSON_10, target=None):
        """A SigV4-signed (service `dynamodb`) POST / with X-Amz-Target. `body` is bytes or an
        object dumped as JSON. Returns (status, lower-cased headers, body bytes)."""
        return self.serval.raw_json("dynamodb", target or TARGET_PREFIX + operation, body,
                                    content_type, sign=sign)
