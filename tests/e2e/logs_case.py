"""Shared base for the CloudWatch Logs suites (test_logs_*.py except test_logs.py, which tests
`serval logs`): a boto3 `logs` client for the serval under test (one attempt, no retries), unique
log group names, event helpers, and the Logs error assertions (code, HTTP 400, and AWS's message
where the reference records it).

Expectations follow AWS (/work/shared/reference/aws-wire-contracts-2.md section 2, cited below as
"ref 2.x"), not any emulator. Messages marked [recorded] are in the reference (LocalStack snapshots
recorded against AWS); [reported] ones are AWS texts widely quoted by users of real AWS; where a
message is not known only the code is asserted. Every name is unique, so the suites also run
against a shared, already-running endpoint (SERVAL_ENDPOINT, see serval_harness.py):

    MOTO_ACCOUNT_ID=000000000000 moto_server -p 5123 &
    SERVAL_ENDPOINT=http://127.0.0.1:5123 LOGS_SOFT_DEVIATIONS=1 \\
        python3 -m unittest discover -s tests/e2e -p 'test_logs_*.py'

LOGS_SOFT_DEVIATIONS=1 prints (instead of raising) failures inside `with self.deviates("moto:
...")`, the AWS behaviours moto is known to lack; never set it for serval.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import os
import time
import uuid

from serval_harness import ACCOUNT, REGION, ServalTestCase

TARGET_PREFIX = "Logs_20140328."
JSON_11 = "application/x-amz-json-1.1"
SOFT_DEVIATIONS = bool(os.environ.get("LOGS_SOFT_DEVIATIONS"))

# AWS's texts (ref 2.1) [recorded] unless noted.
NO_GROUP = "The specified log group does not exist."
NO_STREAM = "The specified log stream does not exist."
NO_FILTER = "The specified subscription filter does not exist."
GROUP_EXISTS = "The specified log group already exists"
STREAM_EXISTS = "The specified log stream already exists"
OUT_OF_ORDER = "Log events in a single PutLogEvents request must be in chronological order."
BAD_TOKEN = "The specified nextToken is invalid."
NAME_TOO_LONG = "Invalid LogGroup or LogStream, both must have length less than or equal to 512."
PREFIX_AND_PATTERN = ("LogGroup name prefix and LogGroup name pattern are mutually exclusive "
                      "parameters.")
LIMIT_EXCEEDED = "Resource limit exceeded."
# [reported]: the text AWS gives when the destination function does not let CloudWatch Logs
# invoke it (quoted from real AWS in terraform, serverless and LocalStack issues, e.g.
# hashicorp/terraform#18434, localstack/localstack#2653).
NO_LAMBDA_PERMISSION = ("Could not execute the lambda function. Make sure you have given "
                        "CloudWatch Logs permission to execute your function.")
# [recorded] for a destination function in another account that does not exist.
CROSS_ACCOUNT = ("Cross-account lambda invocation passing is not allowed. You must use "
                 "DestinationPolicies to create cross account lambda triggers.")

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)  # ref 2.2

# PutLogEvents batch limits (ref 2.3): bytes = sum(UTF-8 message bytes + 26).
BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
BATCH_EVENTS = 10_000

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def now_ms() -> int:
    return int(time.time() * 1000)


def group_arn(group: str) -> str:
    """The log group's ARN as TagResource and logGroupArn have it (no ':*')."""
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


def limit_message(value, maximum):
    """The framework's text for a limit over the maximum, as recorded for GetLogEvents' 10001
    (ref 2.1); the same wording for other operations' limits is assumed."""
    return (f"1 validation error detected: Value '{value}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {maximum}")



def stop_follower(proc):
    """Stops a following subprocess (`aws logs tail --follow`): TERM, then KILL after 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()

class LogsCase(ServalTestCase):
    """One serval per class; `logs` is a boto3 CloudWatch Logs client (one attempt, no retries),
    `logs_novalidate` the same without botocore's parameter validation (to send what botocore
    would refuse)."""

    SOFT_DEVIATIONS = SOFT_DEVIATIONS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.serval.client("logs")
        cls.logs_novalidate = cls.serval.client("logs", validate=False)

    # -- names, groups, streams ------------------------------------------------------------------

    @staticmethod
    def group_name(label="g"):
        """A unique, valid log group name (slashes, dots, dashes and '#' included)."""
        return f"/serval-e2e/{label}.{uuid.uuid4().hex[:12]}#x_y"

    def create_group(self, name=None, cleanup=True, **kw):
        name = name or self.group_name()
        self.logs.create_log_group(logGroupName=name, **kw)
        if cleanup:
            self.addCleanup(self.delete_group_quietly, name)
        return name

    @classmethod
    def create_class_group(cls, name=None, **kw):
        name = name or cls.group_name("cls")
        cls.logs.create_log_group(logGroupName=name, **kw)
        cls.addClassCleanup(cls._delete_group_quietly, cls.logs, name)
        return name

    @staticmethod
    def _delete_group_quietly(client, name):
        with contextlib.suppress(Exception):
            client.delete_log_group(logGroupName=name)

    def delete_group_quietly(self, name):
        self._delete_group_quietly(self.logs, name)

    def create_stream(self, group, name=None):
        name = name or f"stream-{uuid.uuid4().hex[:10]}"
        self.logs.create_log_stream(logGroupName=group, logStreamName=name)
        return name

    def put(self, group, stream, events, client=None, **kw):
        """PutLogEvents; events are (timestamp, message) pairs or dicts."""
        log_events = [e if isinstance(e, dict) else {"timestamp": e[0], "message": e[1]}
                      for e in events]
        return (client or self.logs).put_log_events(logGroupName=group, logStreamName=stream,
                                                    logEvents=log_events, **kw)

    def describe_group(self, name):
        """DescribeLogGroups' entry for exactly this group (or None)."""
        found = [g for g in self.describe_groups(logGroupNamePrefix=name)
                 if g["logGroupName"] == name]
        self.assertLessEqual(len(found), 1, found)
        return found[0] if found else None

    def describe_groups(self, **kw):
        out = []
        for page in self.logs.get_paginator("describe_log_groups").paginate(**kw):
            out += page["logGroups"]
        return out

    def describe_streams(self, group, **kw):
        out = []
        for page in self.logs.get_paginator("describe_log_streams").paginate(logGroupName=group,
                                                                               **kw):
            out += page["logStreams"]
        return out

    def filter_all(self, group, max_pages=1000, **kw):
        """Every page of FilterLogEvents (following nextToken until it is absent): (events,
        number of pages)."""
        events, pages, token = [], 0, None
        while True:
            if token:
                kw["nextToken"] = token
            page = self.logs.filter_log_events(logGroupName=group, **kw)
            pages += 1
            events += page["events"]
            new = page.get("nextToken")
            if new is not None:
                self.assertNotEqual(new, token, "the same nextToken twice (ref 0.2)")
            token = new
            if not token:
                return events, pages
            self.assertLess(pages, max_pages, "FilterLogEvents never ends")

    def get_messages(self, group, stream, **kw):
        """Messages GetLogEvents returns from the head, following the forward token to the end."""
        out, token = [], None
        for _ in range(1000):
            if token:
                kw["nextToken"] = token
            page = self.logs.get_log_events(logGroupName=group, logStreamName=stream,
                                            startFromHead=True, **kw)
            out += [e["message"] for e in page["events"]]
            if page["nextForwardToken"] == token:
                return out
            token = page["nextForwardToken"]
        self.fail("GetLogEvents never returned the token it was given")

    # -- errors --------------------------------------------------------------------------------

    def assert_logs_error(self, response, code, message=None, message_contains=None):
        """A Logs error: HTTP 400 (ref 2.1), botocore's Code `code`, a message, and, when given,
        exactly `message` (or one containing `message_contains`). `code` and `message` may be
        tuples of the accepted ones."""
        codes = code if isinstance(code, tuple) else (code,)
        self.assertIn(response["Error"]["Code"], codes, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400, response)
        msg = response["Error"].get("Message", "")
        self.assertTrue(msg, f"error without a message: {response}")
        if message is not None:
            self.assertIn(msg, message if isinstance(message, tuple) else (message,), response)
        if message_contains is not None:
            self.assertIn(message_contains, msg, response)
        return msg

    def filters(self, group, **kw):
        """The group's subscription filters (DescribeSubscriptionFilters)."""
        return self.logs.describe_subscription_filters(logGroupName=group,
                                                       **kw)["subscriptionFilters"]

    def logs_error(self, op, code, message=None, message_contains=None, client=None, **kw):
        """Calls the client operation `op` (a name) with kw; it must fail with `code`."""
        response = self.error_of(getattr(client or self.logs, op), **kw)
        self.assert_logs_error(response, code, message, message_contains)
        return response

    # -- raw HTTP ------------------------------------------------------------------------------

    def raw_logs(self, operation, body, sign=True, content_type=JSON_11, target=None):
        """A SigV4-signed (service `logs`) POST / with X-Amz-Target Logs_20140328.<operation>.
        Returns (status, lower-cased headers, body bytes)."""
        return self.serval.raw_json("logs", target or TARGET_PREFIX + operation, body,
                                    content_type, sign=sign)

    def raw_logs_error(self, operation, body, code=None, **kw):
        """A raw call that must fail with 400 and Logs' error shape {"__type", "message"}; returns
        the decoded body. `code` (or a tuple of codes) is checked when given."""
        status, headers, raw = self.raw_logs(operation, body, **kw)
        self.assertEqual(status, 400, raw[:500])
        err = json.loads(raw)
        self.assertIsInstance(err, dict, raw[:500])
        # Clients take what follows the last '#' (ref 2.1: AWS sends the plain code).
        got = err.get("__type", "").split("#")[-1]
        self.assertTrue(got, err)
        if code is not None:
            self.assertIn(got, code if isinstance(code, tuple) else (code,), err)
        self.assertTrue(err.get("message") or err.get("Message"), err)
        return err
